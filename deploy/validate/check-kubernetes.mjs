// Checks deploy/kubernetes offline (no cluster, no network); run by deploy/validate.sh.
//  1. kustomization.yaml: every listed resource exists, and every manifest in the folder is listed.
//  2. Each document against the Kubernetes OpenAPI schema of its apiVersion/kind, as compiled into the
//     kubernetes-models package (types, required fields, enums, formats).
//  3. Unknown fields: each document is type-checked by the TypeScript compiler against the same package's
//     interfaces, whose excess-property check rejects any field the API does not have (a typo such as
//     terminationGracePeriodSecond would otherwise be dropped silently by the API server).
//  4. This project's deployment rules (docs/cluster.md): GA API versions only, and for the silo workload
//     probes on /healthz, pod IP and pod name through the downward API, no CPU limit, a memory limit,
//     non-root, a grace period longer than the server's 45 s shutdown budget, referenced Secrets defined, and
//     Services/PodDisruptionBudget selecting the silo pods.
// Usage: node check-kubernetes.mjs DIR   (exit 0: valid; 1: findings, each printed as one line)
import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { parseAllDocuments } from "yaml";

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const ts = require("typescript");

const dir = path.resolve(process.argv[2] ?? path.join(here, "..", "kubernetes"));
const problems = [];
const problem = (where, message) => problems.push(`${where}: ${message}`);

// ---- 1. kustomization ----------------------------------------------------------------------------
const kustomizationPath = path.join(dir, "kustomization.yaml");
const kustomization = readYaml(kustomizationPath)[0]?.doc;
const resources = [];
if (!kustomization) {
  problem("kustomization.yaml", "missing or empty");
} else {
  const known = new Set(["apiVersion", "kind", "resources", "images", "labels", "commonAnnotations", "namespace", "namePrefix", "nameSuffix", "patches", "configMapGenerator", "secretGenerator", "generatorOptions", "replicas"]);
  for (const key of Object.keys(kustomization)) if (!known.has(key)) problem("kustomization.yaml", `unknown field '${key}'`);
  if (kustomization.apiVersion !== "kustomize.config.k8s.io/v1beta1") problem("kustomization.yaml", "apiVersion must be kustomize.config.k8s.io/v1beta1");
  if (kustomization.kind !== "Kustomization") problem("kustomization.yaml", "kind must be Kustomization");
  if (kustomization.namespace !== undefined) problem("kustomization.yaml", "the manifests are namespace-free: no namespace field");
  for (const r of kustomization.resources ?? []) {
    if (typeof r !== "string") problem("kustomization.yaml", `resource ${JSON.stringify(r)} is not a path`);
    else if (!fs.existsSync(path.join(dir, r))) problem("kustomization.yaml", `resource '${r}' does not exist`);
    else resources.push(r);
  }
  for (const image of kustomization.images ?? []) if (typeof image?.name !== "string") problem("kustomization.yaml", "an images entry has no name");
  for (const f of fs.readdirSync(dir))
    if (/\.ya?ml$/.test(f) && f !== "kustomization.yaml" && !resources.includes(f)) problem(f, "not listed in kustomization.yaml resources");
}

// ---- 2. schema ----------------------------------------------------------------------------------
const docs = [];
for (const file of resources) {
  for (const { doc, index } of readYaml(path.join(dir, file))) {
    const where = `${file}#${index}`;
    if (doc === null || typeof doc !== "object" || Array.isArray(doc)) { problem(where, "not a mapping"); continue; }
    if (typeof doc.apiVersion !== "string" || typeof doc.kind !== "string") { problem(where, "no apiVersion/kind"); continue; }
    if (doc.metadata?.namespace !== undefined) problem(where, "metadata.namespace set: the manifests are namespace-free");
    // The package also carries alpha/beta and removed versions (policy/v1beta1 went in 1.25): GA only.
    if (/(alpha|beta)\d*$/.test(doc.apiVersion)) problem(where, `${doc.apiVersion}: use a GA (stable) API version`);
    const module = modelModule(doc.apiVersion, doc.kind);
    let Model;
    try {
      Model = (await import(module))[doc.kind];
    } catch {
      problem(where, `no schema for ${doc.apiVersion} ${doc.kind} (unknown or removed API)`);
      continue;
    }
    try {
      new Model(doc).validate();
    } catch (e) {
      for (const line of String(e.message).split(/,\s(?=data)/)) problem(`${where} ${doc.kind}/${doc.metadata?.name}`, line.trim());
    }
    docs.push({ where, doc, module });
  }
}

// ---- 3. unknown fields (TypeScript excess-property check) ---------------------------------------
if (docs.length > 0) {
  const virtual = path.join(here, "__manifests__.ts");
  const lines = [];
  const owners = []; // line number (0-based) -> document
  docs.forEach(({ doc, module }, i) => {
    lines.push(`import type { I${doc.kind} as T${i} } from ${JSON.stringify(module)};`);
  });
  docs.forEach(({ doc }, i) => {
    const body = `export const d${i}: T${i} = ${JSON.stringify(doc, null, 2)};`.split("\n");
    for (const l of body) { owners[lines.length] = docs[i]; lines.push(l); }
  });
  const source = lines.join("\n");
  const options = { strict: true, noEmit: true, module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, target: ts.ScriptTarget.ES2022, skipLibCheck: true, types: [] };
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (name, lang, ...rest) => name === virtual ? ts.createSourceFile(name, source, lang) : getSourceFile(name, lang, ...rest);
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (name) => name === virtual || fileExists(name);
  const program = ts.createProgram([virtual], options, host);
  for (const d of ts.getPreEmitDiagnostics(program)) {
    const line = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start).line : -1;
    const owner = owners[line];
    const text = ts.flattenDiagnosticMessageText(d.messageText, " ").replace(/\s+/g, " ");
    problem(owner ? `${owner.where} ${owner.doc.kind}/${owner.doc.metadata?.name}` : "type check", `${text} (near: ${lines[line]?.trim() ?? "?"})`);
  }
}

// ---- 4. this project's rules for the silos -------------------------------------------------------
const secrets = new Set(docs.filter((d) => d.doc.kind === "Secret").map((d) => d.doc.metadata?.name));
const workloads = docs.filter((d) => ["Deployment", "StatefulSet"].includes(d.doc.kind));
if (workloads.length === 0) problem("manifests", "no Deployment or StatefulSet for the silos");
for (const { where, doc } of workloads) {
  const at = `${where} ${doc.kind}/${doc.metadata?.name}`;
  const pod = doc.spec?.template?.spec ?? {};
  const podLabels = doc.spec?.template?.metadata?.labels ?? {};
  if (pod.securityContext?.runAsNonRoot !== true) problem(at, "pod securityContext.runAsNonRoot must be true");
  const silo = (pod.containers ?? [])[0] ?? {};
  const env = Object.fromEntries((silo.env ?? []).map((e) => [e.name, e]));
  if (env.Orleans__AdvertisedIPAddress?.valueFrom?.fieldRef?.fieldPath !== "status.podIP") problem(at, "Orleans__AdvertisedIPAddress must come from the downward API's status.podIP");
  if (env.Orleans__SiloName?.valueFrom?.fieldRef?.fieldPath !== "metadata.name") problem(at, "Orleans__SiloName must come from the downward API's metadata.name");
  const args = (silo.args ?? []).join(" ");
  if (!/(^| )--clustering adonet( |$)/.test(args)) problem(at, "args must include --clustering adonet");
  // Orleans binds Orleans:Clustering (and the other provider sections) itself: a plain value there stops the silo.
  for (const name of Object.keys(env))
    if (/^Orleans__(Clustering|GrainStorage|Reminders|GrainDirectory|Streaming|BroadcastChannel)$/i.test(name))
      problem(at, `env ${name}: Orleans reads this section as its own provider configuration; use the flag (--clustering)`);
  if (!env.Orleans__ConnectionString?.valueFrom?.secretKeyRef) problem(at, "Orleans__ConnectionString must come from a Secret");
  for (const e of silo.env ?? []) {
    const ref = e.valueFrom?.secretKeyRef;
    if (ref && !ref.optional && !secrets.has(ref.name)) problem(at, `env ${e.name} refers to Secret '${ref.name}', which no manifest defines`);
  }
  for (const probe of ["startupProbe", "readinessProbe", "livenessProbe"])
    if (silo[probe]?.httpGet?.path !== "/healthz") problem(at, `${probe} must GET /healthz`);
  if (silo.resources?.limits?.cpu !== undefined) problem(at, "no CPU limit (CPU throttling stalls Orleans' membership probes)");
  if (silo.resources?.limits?.memory === undefined || silo.resources?.requests?.memory === undefined) problem(at, "memory request and limit are required");
  // rca serve gives a graceful stop 45 s (RcaHost.ShutdownBudget); Kubernetes must wait longer, with a margin.
  const grace = pod.terminationGracePeriodSeconds ?? 30;
  if (!(grace >= 60)) problem(at, `terminationGracePeriodSeconds (${grace}) must be at least 60: longer than the server's 45 s shutdown budget`);
  const selects = (selector) => selector && Object.keys(selector).length > 0 && Object.entries(selector).every(([k, v]) => podLabels[k] === v);
  if (!selects(doc.spec?.selector?.matchLabels)) problem(at, "spec.selector does not match the pod template's labels");
  for (const other of docs) {
    if (other.doc.kind === "Service" && !selects(other.doc.spec?.selector)) problem(`${other.where} Service/${other.doc.metadata?.name}`, "selector does not select the silo pods");
    if (other.doc.kind === "PodDisruptionBudget" && !selects(other.doc.spec?.selector?.matchLabels)) problem(`${other.where} PodDisruptionBudget/${other.doc.metadata?.name}`, "selector does not select the silo pods");
  }
}
if (!docs.some((d) => d.doc.kind === "PodDisruptionBudget")) problem("manifests", "no PodDisruptionBudget");

if (problems.length > 0) {
  for (const p of problems) console.error(`kubernetes: ${p}`);
  process.exit(1);
}
console.log(`kubernetes: ${docs.length} manifests in ${path.relative(process.cwd(), dir) || "."} valid (schema, unknown fields, deployment rules)`);

// --------------------------------------------------------------------------------------------------
function readYaml(file) {
  let text;
  try { text = fs.readFileSync(file, "utf8"); } catch { return []; }
  const out = [];
  parseAllDocuments(text).forEach((d, index) => {
    for (const e of d.errors) problem(`${path.basename(file)}#${index}`, `YAML: ${e.message.split("\n")[0]}`);
    const doc = d.toJS();
    if (d.errors.length === 0 && doc !== null) out.push({ doc, index });
  });
  return out;
}

function modelModule(apiVersion, kind) {
  const [group, version] = apiVersion.includes("/") ? apiVersion.split("/") : [null, apiVersion];
  if (!/^[a-z0-9.]*$/.test(group ?? "") || !/^v[0-9a-z]+$/.test(version) || !/^[A-Za-z]+$/.test(kind)) return "invalid";
  return group ? `kubernetes-models/${group}/${version}/${kind}` : `kubernetes-models/${version}/${kind}`;
}
