// Validates every YAML file under deploy/kubernetes (and what kubectl
// renders from each kustomization, where kubectl is installed):
//  - each document parses, is a Kubernetes object of a known apiVersion and
//    kind, and passes that kind's schema (kubernetes-models: the API's
//    OpenAPI schemas as validators);
//  - each kustomization lists files that exist, and every YAML file beside it;
//  - what the project relies on: the agent's DaemonSet on labelled nodes,
//    its socket directory on the node, a GPU, probes on the agent's health
//    endpoints, the metrics port and Prometheus annotations, an
//    unprivileged container; listeners and guests that agree on addresses;
//    a Kata RuntimeClass that the Kata guests name.
// node validate.mjs DEPLOY_DIR [RENDERED.yaml ...]
import { readFileSync, readdirSync, statSync, existsSync } from "node:fs";
import { join, relative, dirname, basename } from "node:path";
import { parseAllDocuments } from "yaml";

const root = process.argv[2];
const rendered = process.argv.slice(3);
const repo = join(root, "..", "..");
let failures = 0;
const fail = (where, what) => {
  console.error(`FAIL: ${where}: ${what}`);
  failures++;
};
const ok = (what) => console.log(`ok: ${what}`);

function yamlFiles(dir) {
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...yamlFiles(p));
    else if (/\.ya?ml$/.test(name)) out.push(p);
  }
  return out;
}

function parse(file, text) {
  const objs = [];
  for (const doc of parseAllDocuments(text, { prettyErrors: true })) {
    if (doc.errors.length) {
      for (const e of doc.errors) fail(file, `YAML: ${e.message}`);
      continue;
    }
    const o = doc.toJS();
    if (o !== null && o !== undefined) objs.push(o);
  }
  return objs;
}

// The model of an apiVersion and kind: kubernetes-models/<group>/<version>/<Kind>
// (the core group as v1/<Kind>).
async function model(apiVersion, kind) {
  if (typeof apiVersion !== "string" || typeof kind !== "string") return null;
  try {
    const mod = await import(`kubernetes-models/${apiVersion}/${kind}`);
    return mod[kind] ?? null;
  } catch {
    return null;
  }
}

async function validateObject(where, o) {
  if (o.kind === "Kustomization") return true; // checked on its own below
  const M = await model(o.apiVersion, o.kind);
  if (!M) {
    fail(where, `unknown apiVersion/kind ${o.apiVersion}/${o.kind}`);
    return false;
  }
  try {
    new M(o).validate();
  } catch (e) {
    fail(where, `${o.kind} ${o.metadata?.name}: ${e.message}`);
    return false;
  }
  if (!o.metadata?.name) {
    fail(where, `${o.kind} without metadata.name`);
    return false;
  }
  return true;
}

// Every kustomization names files or directories that exist; every YAML
// file in its directory is one of its resources (or the kustomization).
function checkKustomization(file, k) {
  const dir = dirname(file);
  const listed = new Set();
  for (const field of ["resources", "components", "configurations"]) {
    for (const r of k[field] ?? []) {
      if (/^[a-z]+:\/\//.test(r)) continue; // remote: not checked offline
      const p = join(dir, r);
      if (!existsSync(p)) fail(relative(repo, file), `${field}: ${r} does not exist`);
      else if (statSync(p).isDirectory() && !existsSync(join(p, "kustomization.yaml")))
        fail(relative(repo, file), `${field}: ${r} is a directory without kustomization.yaml`);
      listed.add(relative(dir, p));
    }
  }
  for (const name of readdirSync(dir)) {
    if (!/\.ya?ml$/.test(name) || /^kustomization\.ya?ml$/.test(name)) continue;
    if (!listed.has(name)) fail(relative(repo, file), `${name} is beside it but not among its resources`);
  }
  ok(`${relative(repo, file)}: ${listed.size} resources, all present`);
}

const objects = []; // { file, o }
for (const file of yamlFiles(root)) {
  const where = relative(repo, file);
  const objs = parse(where, readFileSync(file, "utf8"));
  let valid = 0;
  for (const o of objs) {
    if (o.kind === "Kustomization") checkKustomization(file, o);
    else if (await validateObject(where, o)) valid++;
    objects.push({ file: where, o });
  }
  if (valid) ok(`${where}: ${valid} object(s) valid`);
}
for (const file of rendered) {
  const objs = parse(file, readFileSync(file, "utf8"));
  let valid = 0;
  for (const o of objs) if (await validateObject(`rendered ${basename(file)}`, o)) valid++;
  ok(`kubectl kustomize ${basename(file, ".yaml")}: ${valid} object(s) rendered and valid`);
}

// ---- what the project relies on -------------------------------------------
const find = (kind, name) =>
  objects.filter((x) => x.o.kind === kind && (!name || x.o.metadata?.name === name));
const check = (cond, where, what) => (cond ? ok(what) : fail(where, what));

// The conventions of the agent and of its systemd units.
const METRICS_PORT = 9480;
const SOCKET_DIR = "/run/vaccel";
const socketUnit = readFileSync(join(repo, "dist/systemd/vaccel-agent.socket"), "utf8");
const SOCKET = /^ListenStream=(.*)$/m.exec(socketUnit)?.[1];
check(SOCKET === `${SOCKET_DIR}/agent.sock`, "dist/systemd/vaccel-agent.socket",
  `the systemd socket is ${SOCKET_DIR}/agent.sock, as on Kubernetes`);

const [ds] = find("DaemonSet", "vaccel-agent");
const cm = find("ConfigMap", "vaccel-agent")[0]?.o.data ?? {};
if (!ds) {
  fail("deploy/kubernetes", "no DaemonSet vaccel-agent");
} else {
  const w = ds.file;
  const spec = ds.o.spec.template.spec;
  const agent = spec.containers.find((c) => c.name === "agent");
  check(spec.nodeSelector?.["vaccel.io/accelerator"] === "true", w,
    "DaemonSet runs on nodes labelled vaccel.io/accelerator=true");
  const vol = spec.volumes?.find((v) => v.hostPath?.path === SOCKET_DIR);
  const mount = agent?.volumeMounts?.find((m) => m.name === vol?.name);
  check(vol && mount?.mountPath === SOCKET_DIR && !mount.readOnly, w,
    `the node's ${SOCKET_DIR} is the agent's ${SOCKET_DIR}, writable`);
  const gpu = agent?.resources?.limits?.["nvidia.com/gpu"];
  check(Number(gpu) >= 1, w, `the agent asks for nvidia.com/gpu: ${gpu}`);
  const port = agent?.ports?.find((p) => p.containerPort === METRICS_PORT);
  check(port, w, `the agent's container exposes ${METRICS_PORT}`);
  const probes = [["livenessProbe", "/health/live"], ["readinessProbe", "/health/ready"],
    ["startupProbe", "/health/live"]];
  for (const [probe, path] of probes) {
    const g = agent?.[probe]?.httpGet;
    const to = g && (g.port === METRICS_PORT || (port && g.port === port.name));
    check(g?.path === path && to, w, `${probe}: GET ${path} on port ${METRICS_PORT}`);
  }
  const a = ds.o.spec.template.metadata?.annotations ?? {};
  check(a["prometheus.io/scrape"] === "true" && a["prometheus.io/port"] === String(METRICS_PORT) &&
    a["prometheus.io/path"] === "/metrics", w, "Prometheus annotations: scrape /metrics on 9480");
  const sc = { ...spec.securityContext, ...agent?.securityContext };
  check(sc.runAsNonRoot === true && sc.runAsUser !== 0 && sc.allowPrivilegeEscalation === false &&
    sc.readOnlyRootFilesystem === true && sc.capabilities?.drop?.includes("ALL") &&
    !sc.capabilities?.add?.length && !sc.privileged, w,
    "the agent runs unprivileged: non-root, no capabilities, read-only root");
  // Metrics where the kubelet can probe them: the pod's address needs
  // --metrics-public; with hostNetwork the node's does too.
  const m = /^tcp:\/\/([^:]+):(\d+)$/.exec(cm.VACCEL_AGENT_METRICS ?? "");
  check(m && Number(m[2]) === METRICS_PORT, "configmap.yaml",
    `VACCEL_AGENT_METRICS on port ${METRICS_PORT}`);
  const loopback = m && /^(127\.|localhost$|\[::1\]$)/.test(m[1]);
  check(m && !loopback && cm.VACCEL_AGENT_METRICS_PUBLIC === "1", "configmap.yaml",
    "metrics on a non-loopback address, so VACCEL_AGENT_METRICS_PUBLIC=1");
  // The agent's memory budget fits in the container's memory limit.
  const bytes = (q) => {
    const m = /^(\d+)(Ki|Mi|Gi|Ti|k|M|G|T)?$/.exec(String(q ?? ""));
    if (!m) return NaN;
    const unit = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, k: 1e3, M: 1e6, G: 1e9, T: 1e12 };
    return Number(m[1]) * (m[2] ? unit[m[2]] : 1);
  };
  const budget = Number(cm.VACCEL_AGENT_MEMORY_BUDGET);
  const limit = bytes(agent?.resources?.limits?.memory);
  check(budget > 0 && budget < limit, "configmap.yaml",
    `memory budget ${budget} under the container's limit ${agent?.resources?.limits?.memory}`);
  const refs = (agent?.envFrom ?? []).map((e) => e.configMapRef?.name).filter(Boolean);
  for (const r of refs) check(find("ConfigMap", r).length, w, `ConfigMap ${r} is deployed`);
}

// Listeners and guests agree.
const addrs = (cm.VACCEL_AGENT_ADDRESSES ?? "").split(/\s+/).filter(Boolean);
check(addrs.includes(`unix://${SOCKET}`), "configmap.yaml", `the agent listens on unix://${SOCKET}`);
const vsockPorts = addrs.map((x) => /^vsock:\/\/4294967295:(\d+)$/.exec(x)?.[1]).filter(Boolean);
check(vsockPorts.length === 1, "configmap.yaml", "the agent listens on vsock, any CID");

const rcs = find("RuntimeClass");
for (const rc of rcs)
  check(/^kata(-[a-z]+)?$/.test(rc.o.handler), rc.file,
    `RuntimeClass ${rc.o.metadata.name}: Kata handler ${rc.o.handler}`);
check(rcs.length, "deploy/kubernetes", "a RuntimeClass for Kata");
const pods = objects.filter((x) => x.o.kind === "Pod" ||
  (x.o.spec?.template?.spec && x.o.kind !== "DaemonSet"));
for (const p of pods) {
  const spec = p.o.kind === "Pod" ? p.o.spec : p.o.spec.template.spec;
  for (const c of spec.containers ?? []) {
    const env = Object.fromEntries((c.env ?? []).map((e) => [e.name, e.value]));
    const addr = env.VACCEL_RPC_ADDRESS;
    if (!addr) continue;
    const what = `${p.o.kind} ${p.o.metadata.name}: VACCEL_RPC_ADDRESS=${addr}`;
    if (addr.startsWith("vsock://")) {
      const rc = spec.runtimeClassName;
      check(addr === `vsock://2:${vsockPorts[0]}` && rcs.some((r) => r.o.metadata.name === rc),
        p.file, `${what}: the host's CID and the agent's port, in a Kata VM (${rc})`);
    } else if (addr.startsWith("unix://")) {
      const dir = dirname(addr.slice("unix://".length));
      const vol = (spec.volumes ?? []).find((v) => v.hostPath?.path === SOCKET_DIR);
      const mount = (c.volumeMounts ?? []).find((mm) => mm.name === vol?.name);
      check(addr === `unix://${SOCKET}` && mount?.mountPath === dir, p.file,
        `${what}: the node's socket directory mounted`);
    } else {
      check(addrs.includes(addr), p.file, `${what}: an address the agent listens on`);
    }
  }
}

// Namespaced objects go to a namespace that is deployed (or default).
const namespaces = new Set(find("Namespace").map((x) => x.o.metadata.name));
namespaces.add("default");
for (const { file, o } of objects) {
  const ns = o.metadata?.namespace;
  if (ns && !namespaces.has(ns)) fail(file, `${o.kind} ${o.metadata.name}: namespace ${ns} is not deployed`);
}

if (failures) {
  console.error(`${failures} failed`);
  process.exit(1);
}
console.log("all Kubernetes checks passed");
