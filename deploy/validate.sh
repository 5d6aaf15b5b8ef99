#!/usr/bin/env bash
# Offline checks of the deployment files (no container engine, no cluster, no network needed):
#   1. deploy/Dockerfile: its syntax (deploy/validate/check-dockerfile.mjs: dockerfile-utils' linter), every
#      COPY source exists and is not excluded by .dockerignore, and every project the CLI references
#      (transitively) is copied before the restore layer.
#   2. docker-compose.yml: `docker-compose config -q` (Debian's docker-compose: the Compose file schema,
#      YAML anchors and merges, variable interpolation), bind-mounted files present, and no Orleans provider
#      section set as a value.
#   3. deploy/kubernetes: deploy/validate/check-kubernetes.mjs (kustomization resources, the Kubernetes
#      OpenAPI schema per kind, unknown fields, and this project's rules for the silo workload).
# A check whose tool is missing prints SKIPPED and does not fail; any finding exits 1.
# Tools: `apt-get install -y docker-compose` and `npm ci --prefix deploy/validate` (Node.js >= 20).
#
# Usage: deploy/validate.sh               run the checks
#        deploy/validate.sh --self-test   also prove that each check fails on a deliberately broken copy
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
failed=0
fail() { echo "FAILED: $*" >&2; failed=1; }

# ---- 1. Dockerfile ------------------------------------------------------------------------------
check_dockerfile() {
  local dockerfile=$1 ignore=$2 ok=0
  # Sources of COPY lines without --from (the last word is the destination).
  while read -r -a words; do
    local n=${#words[@]}
    for ((i = 1; i < n - 1; i++)); do
      local src=${words[i]%/}
      [[ $src == --* ]] && continue
      if ! compgen -G "$src" >/dev/null; then echo "  Dockerfile: COPY source '$src' does not exist" >&2; ok=1; continue; fi
      # .dockerignore lines are prefixes of the context (`**/` matches at any depth).
      while IFS= read -r pattern; do
        [[ -z $pattern || $pattern == \#* ]] && continue
        pattern=${pattern%/}
        if [[ $pattern == \*\*/* ]]; then
          [[ /$src/ == */${pattern#\*\*/}/* ]] && { echo "  Dockerfile: COPY source '$src' is excluded by .dockerignore ($pattern)" >&2; ok=1; }
        elif [[ $src == "$pattern" || $src == "$pattern"/* ]]; then
          echo "  Dockerfile: COPY source '$src' is excluded by .dockerignore ($pattern)" >&2; ok=1
        fi
      done <"$ignore"
    done
  done < <(grep -E '^COPY ' "$dockerfile" | grep -v -- '--from=')
  # The restore layer must hold every project the CLI needs.
  local queue=(src/OrleansRca.Cli/OrleansRca.Cli.csproj) seen=" "
  while ((${#queue[@]})); do
    local p=${queue[0]}; queue=("${queue[@]:1}")
    [[ $seen == *" $p "* ]] && continue
    seen+="$p "
    grep -qE "^COPY $p( |$)" "$dockerfile" || { echo "  Dockerfile: $p is not copied before 'dotnet restore'" >&2; ok=1; }
    local dir; dir=$(dirname "$p")
    while read -r ref; do
      queue+=("$(realpath -m --relative-to=. "$dir/${ref//\\//}")")
    done < <(grep -oE 'ProjectReference Include="[^"]+"' "$p" | sed -E 's/.*Include="([^"]+)"/\1/')
  done
  return $ok
}
have_node_tools() { command -v node >/dev/null && [[ -d deploy/validate/node_modules/kubernetes-models && -d deploy/validate/node_modules/typescript && -d deploy/validate/node_modules/yaml && -d deploy/validate/node_modules/dockerfile-utils ]]; }
if check_dockerfile deploy/Dockerfile .dockerignore; then
  echo "dockerfile: COPY sources present and not ignored; restore layer has every project the CLI references"
else
  fail "deploy/Dockerfile"
fi
if have_node_tools; then
  node deploy/validate/check-dockerfile.mjs deploy/Dockerfile && echo "dockerfile: syntax valid (dockerfile-utils)" || fail "deploy/Dockerfile"
else
  echo "dockerfile: syntax SKIPPED: node or deploy/validate/node_modules is missing (npm ci --prefix deploy/validate)"
fi

# ---- 2. docker-compose.yml ----------------------------------------------------------------------
check_compose() {
  # Orleans binds the Orleans:Clustering section (and its other provider sections) itself: a plain value
  # there (Orleans__Clustering=adonet) stops the silo at start-up. The mode is the flag --clustering.
  if grep -qiE '^\s*-?\s*Orleans__(Clustering|GrainStorage|Reminders|GrainDirectory|Streaming|BroadcastChannel)\b' "$1"; then
    echo "$1 sets an Orleans provider section (e.g. Orleans__Clustering) as a plain value: Orleans reads it as its own provider configuration; use the flag --clustering" >&2
    return 1
  fi
  # Bind-mounted files must exist (compose would otherwise create an empty directory in their place).
  local source missing=0
  while read -r source; do
    [[ -e $root/$source ]] || { echo "$1: bind-mounted '$source' does not exist" >&2; missing=1; }
  done < <(grep -oE '^\s*-\s*\./[^:]+:' "$1" | sed -E 's/^\s*-\s*\.\/(.*):$/\1/')
  ((missing == 0)) || return 1
  docker-compose --project-directory "$root" -f "$1" config -q
}
if command -v docker-compose >/dev/null; then
  if out=$(check_compose docker-compose.yml 2>&1); then
    echo "compose: docker-compose.yml valid ($(docker-compose version --short 2>/dev/null || echo docker-compose))"
  else
    echo "$out" >&2; fail "docker-compose.yml"
  fi
else
  echo "compose: SKIPPED: docker-compose is not installed (apt-get install -y docker-compose)"
fi

# ---- 3. Kubernetes manifests --------------------------------------------------------------------
if have_node_tools; then
  node deploy/validate/check-kubernetes.mjs deploy/kubernetes || fail "deploy/kubernetes"
else
  echo "kubernetes: SKIPPED: node or deploy/validate/node_modules is missing (npm ci --prefix deploy/validate)"
fi

# ---- self-test: each check must fail on a broken copy --------------------------------------------
if [[ ${1:-} == --self-test ]]; then
  tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
  expect_failure() { # NAME COMMAND...
    local name=$1; shift
    if "$@" >"$tmp/out" 2>&1; then fail "self-test '$name': the broken copy passed"; else echo "self-test: '$name' rejected: $(grep -vE '^\s*$' "$tmp/out" | head -n 2 | tr -s ' \n' '  ' | cut -c1-200)"; fi
  }
  sed 's#^COPY src/OrleansRca.Grains/OrleansRca.Grains.csproj.*##' deploy/Dockerfile >"$tmp/Dockerfile"
  expect_failure "Dockerfile without a referenced project" check_dockerfile "$tmp/Dockerfile" .dockerignore
  { cat .dockerignore; echo "deploy/"; } >"$tmp/dockerignore"
  expect_failure "Dockerfile source excluded by .dockerignore" check_dockerfile deploy/Dockerfile "$tmp/dockerignore"
  if command -v docker-compose >/dev/null; then
    sed 's/^  depends_on:/  dependson:/' docker-compose.yml >"$tmp/compose-typo.yml"
    expect_failure "compose: unknown service key" check_compose "$tmp/compose-typo.yml"
    sed 's/condition: service_healthy/condition: service_happy/' docker-compose.yml >"$tmp/compose-condition.yml"
    expect_failure "compose: bad depends_on condition" check_compose "$tmp/compose-condition.yml"
    sed 's/- "127.0.0.1:5081:8080"/- "127.0.0.1:5081:80a80"/' docker-compose.yml >"$tmp/compose-port.yml"
    expect_failure "compose: bad port mapping" check_compose "$tmp/compose-port.yml"
    sed 's/^  Orleans__ClusterId:/  Orleans__Clustering: adonet\n  Orleans__ClusterId:/' docker-compose.yml >"$tmp/compose-provider.yml"
    expect_failure "compose: Orleans__Clustering in the environment" check_compose "$tmp/compose-provider.yml"
    sed 's#Postgres/schema.sql:#Postgres/schema-missing.sql:#' docker-compose.yml >"$tmp/compose-mount.yml"
    expect_failure "compose: missing bind-mounted file" check_compose "$tmp/compose-mount.yml"
  fi
  if have_node_tools; then
    sed 's/^HEALTHCHECK --interval=/HEALTHCHECK --intervall=/' deploy/Dockerfile >"$tmp/Dockerfile-flag"
    expect_failure "Dockerfile: unknown flag" node deploy/validate/check-dockerfile.mjs "$tmp/Dockerfile-flag"
    sed 's/^EXPOSE 8080/EXPOSE 80a80/' deploy/Dockerfile >"$tmp/Dockerfile-expose"
    expect_failure "Dockerfile: bad EXPOSE port" node deploy/validate/check-dockerfile.mjs "$tmp/Dockerfile-expose"
    broken() { rm -rf "$tmp/k8s"; cp -r deploy/kubernetes "$tmp/k8s"; sed -i "$2" "$tmp/k8s/$1"; node deploy/validate/check-kubernetes.mjs "$tmp/k8s"; }
    expect_failure "kubernetes: misspelt field" broken deployment.yaml 's/terminationGracePeriodSeconds: 90/terminationGracePeriodSecond: 90/'
    expect_failure "kubernetes: wrong type" broken deployment.yaml 's/containerPort: 8080/containerPort: "8080"/'
    expect_failure "kubernetes: value not in enum" broken deployment.yaml 's/imagePullPolicy: IfNotPresent/imagePullPolicy: Sometimes/'
    expect_failure "kubernetes: missing required field" broken deployment.yaml 's/^  selector:$/  selectorX:/'
    expect_failure "kubernetes: beta API version" broken poddisruptionbudget.yaml 's#policy/v1#policy/v1beta1#'
    expect_failure "kubernetes: unknown API version" broken poddisruptionbudget.yaml 's#policy/v1#policy/v2#'
    expect_failure "kubernetes: CPU limit" broken deployment.yaml 's/^              # No CPU limit.*/              cpu: "2"/'
    expect_failure "kubernetes: grace period too short" broken deployment.yaml 's/terminationGracePeriodSeconds: 90/terminationGracePeriodSeconds: 40/'
    expect_failure "kubernetes: unlisted manifest" broken kustomization.yaml '/poddisruptionbudget.yaml/d'
    expect_failure "kubernetes: Orleans__Clustering in env" broken deployment.yaml 's/^            - name: Orleans__ClusterId$/            - name: Orleans__Clustering\n              value: adonet\n            - name: Orleans__ClusterId/'
  fi
fi

exit $failed
