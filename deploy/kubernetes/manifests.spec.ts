import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { QueueName } from '@labgate/queue';

/**
 * The Kubernetes manifests, checked offline: each object against its published schema (the
 * Kubernetes API's, KEDA's and CloudNativePG's, as kubernetes-models ships them), then what a
 * schema cannot know — the kustomization lists every file, probes hit real routes, every pod runs
 * as non-root on a read-only filesystem, selectors match, the worker outlives its jobs.
 */
const BASE = path.join(__dirname, 'base');

interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string> };
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- manifests are whatever YAML says
  spec?: any;
}

function modelFor(apiVersion: string, kind: string): new (data: unknown) => { validate(): void } {
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
  const modulePath =
    group === 'keda.sh'
      ? `@kubernetes-models/keda/keda.sh/${version}/${kind}`
      : group === 'postgresql.cnpg.io'
        ? `@kubernetes-models/cloudnative-pg/postgresql.cnpg.io/${version}/${kind}`
        : group === ''
          ? `kubernetes-models/${version}/${kind}`
          : `kubernetes-models/${group}/${version}/${kind}`;
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the model is chosen by the manifest's kind
  const exported = require(modulePath) as Record<string, new (data: unknown) => { validate(): void }>;
  return exported[kind]!;
}

const kustomization = parseAllDocuments(readFileSync(path.join(BASE, 'kustomization.yaml'), 'utf8'))[0]!.toJS() as { resources: string[] };
const objects: Array<{ file: string; object: K8sObject }> = kustomization.resources.flatMap((file) =>
  parseAllDocuments(readFileSync(path.join(BASE, file), 'utf8')).map((doc) => {
    if (doc.errors.length) throw new Error(`${file}: ${doc.errors[0]!.message}`);
    return { file, object: doc.toJS() as K8sObject };
  }),
);
const byKind = (kind: string) => objects.map((o) => o.object).filter((o) => o.kind === kind);
const podSpecs = () => [...byKind('Deployment'), ...byKind('Job')].map((o) => ({ name: o.metadata.name, pod: o.spec.template.spec }));

describe('Kubernetes manifests (deploy/kubernetes/base)', () => {
  it('lists every manifest of the folder in the kustomization', () => {
    const files = readdirSync(BASE).filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml');
    expect([...kustomization.resources].sort()).toEqual(files.sort());
  });

  it.each(objects.map(({ file, object }) => [file, object.kind, object]))('%s: %s is valid against its schema', (_file, _kind, object) => {
    const Model = modelFor(object.apiVersion, object.kind);
    expect(() => new Model(object).validate()).not.toThrow();
  });

  it('would refuse a broken manifest (the check is not vacuous)', () => {
    const api = structuredClone(byKind('Deployment')[0]!);
    api.spec.replicas = 'two';
    expect(() => new (modelFor(api.apiVersion, api.kind))(api).validate()).toThrow(/replicas/);
    const scaled = structuredClone(byKind('ScaledObject')[0]!);
    delete scaled.spec.scaleTargetRef;
    expect(() => new (modelFor(scaled.apiVersion, scaled.kind))(scaled).validate()).toThrow(/scaleTargetRef/);
  });

  it('runs every container as non-root, read-only, without privileges, with resources', () => {
    for (const { name, pod } of podSpecs()) {
      expect([name, pod.securityContext.runAsNonRoot]).toEqual([name, true]);
      for (const container of pod.containers) {
        expect([name, container.securityContext]).toEqual([name, expect.objectContaining({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } })]);
        expect(container.resources.requests).toBeDefined();
        expect(container.resources.limits.memory).toBeDefined();
        // Starts through start.js, where the V8 flags live.
        expect(container.args.slice(0, 2)).toEqual(['node', 'dist/scripts/start.js']);
      }
    }
  });

  it('probes the API on its real health routes, and the worker on its heartbeat', () => {
    const openapi = JSON.parse(readFileSync(path.join(__dirname, '..', '..', 'openapi.json'), 'utf8')) as { paths: Record<string, unknown> };
    const api = byKind('Deployment').find((d) => d.metadata.name === 'labgate-api')!.spec.template.spec.containers[0];
    expect(api.readinessProbe.httpGet.path).toBe('/health/ready');
    expect(api.livenessProbe.httpGet.path).toBe('/health/live');
    for (const probe of [api.readinessProbe, api.livenessProbe]) expect(openapi.paths).toHaveProperty([probe.httpGet.path]);
    const worker = byKind('Deployment').find((d) => d.metadata.name === 'labgate-worker')!.spec.template;
    expect(worker.spec.containers[0].livenessProbe.exec.command).toEqual(['node', 'dist/scripts/worker-health.js']);
    expect(worker.spec.terminationGracePeriodSeconds).toBeGreaterThanOrEqual(30);
  });

  it('points every selector, autoscaler and budget at something that exists', () => {
    const deployments = new Map(byKind('Deployment').map((d) => [d.metadata.name, d]));
    for (const d of deployments.values()) expect(d.spec.template.metadata.labels).toMatchObject(d.spec.selector.matchLabels);
    for (const s of byKind('Service')) expect([...deployments.values()].some((d) => Object.entries(s.spec.selector).every(([k, v]) => d.spec.template.metadata.labels[k] === v))).toBe(true);
    for (const pdb of byKind('PodDisruptionBudget')) expect([...deployments.values()].some((d) => Object.entries(pdb.spec.selector.matchLabels).every(([k, v]) => d.spec.template.metadata.labels[k] === v))).toBe(true);
    expect(deployments.has(byKind('HorizontalPodAutoscaler')[0]!.spec.scaleTargetRef.name)).toBe(true);
    const scaled = byKind('ScaledObject')[0]!;
    expect(deployments.has(scaled.spec.scaleTargetRef.name)).toBe(true);
    // KEDA watches real BullMQ lists: <QUEUE_PREFIX>:<queue>:wait.
    const prefix = (byKind('ConfigMap')[0] as unknown as { data: Record<string, string> }).data.QUEUE_PREFIX;
    for (const trigger of scaled.spec.triggers) expect(Object.values(QueueName).map((q) => `${prefix}:${q}:wait`)).toContain(trigger.metadata.listName);
  });
});
