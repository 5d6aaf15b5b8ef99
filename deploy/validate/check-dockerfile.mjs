// Dockerfile syntax check with dockerfile-utils (the linter of the Dockerfile language server): unknown
// instructions and flags, malformed ENV/EXPOSE/HEALTHCHECK/COPY arguments and the like. Any error or
// warning is a finding. Usage: node check-dockerfile.mjs FILE   (exit 0: clean; 1: findings)
import fs from "node:fs";
import path from "node:path";
import { validate } from "dockerfile-utils";

const file = process.argv[2];
const findings = validate(fs.readFileSync(file, "utf8"));
for (const d of findings) console.error(`dockerfile: ${path.basename(file)}:${d.range.start.line + 1}: ${d.message}`);
process.exit(findings.length > 0 ? 1 : 0);
