import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as core from '@actions/core';
import { setOutput } from '../../../shared/action.js';
import type { Clock } from '../../../shared/clock.js';
import { formatDuration } from '../../../shared/duration.js';
import { ConfigurationError, errorMessage } from '../../../shared/errors.js';
import { type ExecError, exec, succeeds } from '../../../shared/exec.js';
import { group, info } from '../../../shared/log.js';
import { redact } from '../../../shared/secrets.js';
import { runUrl, table, writeSummary } from '../../../shared/summary.js';
import { contentHash, contentTag } from './contenthash.js';
import {
  type BuildPlan,
  buildxBuildArgs,
  classicBuildArgs,
  describeBuildFailure,
  dockerfileWithLabels,
  dockerWithRetry,
  parsePushDigest,
  secretEnv,
} from './docker.js';
import { getInputs, type Inputs, type Login, type Service } from './inputs.js';
import { dockerLogin, ecrLogins, ecrRegistriesOf, prepareDockerConfig } from './login.js';
import { type Credentials, manifestSize, RegistryClient } from './registry.js';
import { saveDockerConfig, saveRegistries } from './state.js';
import { deriveTags, type EventContext, ociLabels } from './tags.js';

export interface ServiceResult {
  name: string;
  repository: string;
  status: 'built' | 'reused' | 'failed';
  /** `repo@sha256:...` */
  image?: string;
  digest?: string;
  /** Full references `repo:tag`. */
  tags: string[];
  contentTag: string;
  size?: number;
  durationMs: number;
  error?: string;
  failedStep?: string;
}

interface Context {
  inputs: Inputs;
  event: EventContext;
  buildx: boolean;
  env: Record<string, string>;
  credentials: Map<string, Credentials>;
  workDir: string;
  clock?: Clock;
}

export function readEvent(env = process.env): EventContext {
  let payload: Record<string, unknown> = {};
  const path = env.GITHUB_EVENT_PATH;
  if (path && existsSync(path)) {
    try {
      payload = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
    } catch (error) {
      core.warning(`Could not read the event payload ${path}: ${errorMessage(error)}`);
    }
  }
  return {
    eventName: env.GITHUB_EVENT_NAME ?? '',
    ref: env.GITHUB_REF ?? '',
    sha: env.GITHUB_SHA ?? '',
    payload,
    serverUrl: env.GITHUB_SERVER_URL,
    repository: env.GITHUB_REPOSITORY,
  };
}

export async function main(): Promise<void> {
  const inputs = getInputs();
  const event = readEvent();
  const created = new Date();

  const plans = await group('Plan', async () =>
    inputs.services.map((service) => {
      const derived = deriveTags(event, {
        defaultBranch: inputs.defaultBranch,
        latest: inputs.latest,
        custom: service.customTags,
        prefix: service.tagPrefix,
      });
      const hash = contentHash({
        context: service.context,
        dockerfile: service.dockerfile,
        buildArgs: service.buildArgs,
        target: service.target,
        platforms: service.platforms,
      });
      const chTag = contentTag(hash, service.tagPrefix);
      const labels = ociLabels(event, derived, { title: service.name, created, extra: inputs.labels });
      info(`${service.name}: ${service.repository.name}, content tag ${chTag}`);
      for (const tag of derived.tags) info(`  ${tag} (${derived.reasons[tag]})`);
      return { service, tags: derived.tags, chTag, labels };
    }),
  );

  const buildx =
    inputs.builder === 'buildx' || (inputs.builder === 'auto' && (await succeeds('docker', ['buildx', 'version'])));
  const needsBuildx = [
    inputs.platforms.length > 1 || inputs.services.some((s) => s.platforms.length > 1)
      ? 'platforms: several platforms need buildx, which this runner does not have; expected one platform, or set up buildx'
      : undefined,
    Object.keys(inputs.buildSecrets).length
      ? 'build-secrets: the classic builder cannot mount secrets (and they are never passed as build args); expected buildx on the runner'
      : undefined,
  ].filter((p): p is string => !!p);
  if (!buildx && needsBuildx.length) throw new ConfigurationError(needsBuildx);
  info(`builder: ${buildx ? 'docker buildx build' : 'docker build (classic builder) + docker push'}`);

  const temp = process.env.RUNNER_TEMP || tmpdir();
  mkdirSync(temp, { recursive: true });
  const workDir = mkdtempSync(join(temp, 'build-push-image-'));
  const dockerConfig = prepareDockerConfig();
  saveDockerConfig(dockerConfig);
  const env: Record<string, string> = { DOCKER_CONFIG: dockerConfig };
  if (!buildx) env.DOCKER_BUILDKIT = '0';
  const credentials = await group('Log in', () => logIn(inputs, env));
  const context: Context = { inputs, event, buildx, env, credentials, workDir };

  const results: ServiceResult[] = new Array(plans.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(inputs.concurrency, plans.length) }, async () => {
    for (let index = next++; index < plans.length; index = next++) {
      const plan = plans[index]!;
      results[index] = await buildService(context, plan.service, plan.tags, plan.chTag, plan.labels);
    }
  });
  await Promise.all(workers);
  rmSync(workDir, { recursive: true, force: true });

  report(results, inputs.push);
  await writeSummary((summary) => {
    summary.addHeading('Images', 2);
    summary.addTable(
      table(
        ['Service', 'Image', 'Tags', 'Digest', 'Size', 'Result', 'Duration'],
        results.map((r) => [
          r.name,
          r.repository,
          r.tags.map((t) => t.slice(r.repository.length + 1)).join(', '),
          r.digest ? r.digest.slice(0, 19) : '',
          r.size === undefined ? '' : formatSize(r.size),
          r.status === 'failed' ? `failed${r.failedStep ? `: ${r.failedStep}` : ''}` : r.status,
          formatDuration(r.durationMs),
        ]),
      ),
    );
    const url = runUrl();
    if (url) summary.addLink('Workflow run', url);
  });
  const failed = results.filter((r) => r.status === 'failed');
  if (failed.length) {
    throw new Error(
      `${failed.length} of ${results.length} service(s) failed: ${failed.map((r) => `${r.name} (${r.error?.split('\n')[0]})`).join('; ')}`,
    );
  }
}

export const formatSize = (bytes: number): string =>
  bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(1)} MB` : `${(bytes / 1024).toFixed(1)} kB`;

async function logIn(inputs: Inputs, env: Record<string, string>): Promise<Map<string, Credentials>> {
  const logins: Login[] = [...inputs.logins];
  const hosts = [...new Set(inputs.services.map((s) => s.repository.host))];
  if (inputs.ecr === 'true') {
    logins.push(...(await ecrLogins(inputs.awsRegion, inputs.ecrRegistryIds)));
  } else if (inputs.ecr === 'auto') {
    for (const [region, accounts] of ecrRegistriesOf(hosts)) {
      logins.push(...(await ecrLogins(inputs.awsRegion || region, accounts)));
    }
  }
  const credentials = new Map<string, Credentials>();
  for (const login of logins) {
    try {
      await dockerLogin(login, { env, attempts: inputs.retryAttempts, baseDelayMs: inputs.retryBaseDelay });
    } catch (error) {
      // Name the input the login came from: the failure is most often its host or credentials.
      throw new Error(`${login.input ?? 'ecr'}: docker login to ${login.registry} failed: ${errorMessage(error)}`);
    }
    credentials.set(login.registry, { username: login.username, password: login.password });
    info(`logged in to ${login.registry} as ${login.username}`);
  }
  if (!logins.length) info('no registry login asked for (anonymous, or the runner is already logged in)');
  saveRegistries(logins.map((l) => l.registry));
  return credentials;
}

function registryFor(context: Context, service: Service): RegistryClient {
  return new RegistryClient(service.repository.host, service.repository.path, {
    credentials: context.credentials.get(service.repository.host),
    insecure: context.inputs.insecureRegistries,
    retry: { attempts: context.inputs.retryAttempts, baseDelayMs: context.inputs.retryBaseDelay, clock: context.clock },
  });
}

async function buildService(
  context: Context,
  service: Service,
  tags: string[],
  chTag: string,
  labels: Record<string, string>,
): Promise<ServiceResult> {
  const started = Date.now();
  const repo = service.repository.name;
  const { inputs } = context;
  const references = tags.map((tag) => `${repo}:${tag}`);
  const result: ServiceResult = {
    name: service.name,
    repository: repo,
    status: 'failed',
    tags: references,
    contentTag: `${repo}:${chTag}`,
    durationMs: 0,
  };
  try {
    const registry = registryFor(context, service);
    if (inputs.push && inputs.skipExisting) {
      const existing = await registry.manifest(chTag);
      if (existing) {
        info(
          `${service.name}: ${repo}:${chTag} exists (${existing.digest}): build skipped, adding ${tags.length} tag(s) through the registry API`,
        );
        for (const tag of tags) await registry.tag(tag, existing);
        Object.assign(result, { status: 'reused', digest: existing.digest, size: manifestSize(existing) });
        return result;
      }
      info(`${service.name}: ${repo}:${chTag} does not exist yet: building`);
    }
    const plan: BuildPlan = {
      service: service.name,
      context: service.context,
      dockerfile: service.dockerfile,
      target: service.target,
      references: inputs.push ? [...references, `${repo}:${chTag}`] : references,
      buildArgs: service.buildArgs,
      labels,
      platforms: service.platforms,
      secrets: Object.keys(inputs.buildSecrets),
      cache: inputs.cache,
      cacheRef: `${repo}:${service.tagPrefix}buildcache`,
      provenance: inputs.provenance,
      sbom: inputs.sbom,
      push: inputs.push,
      iidFile: join(context.workDir, `${service.name}.iid`),
      metadataFile: join(context.workDir, `${service.name}.metadata.json`),
    };
    if (inputs.cache !== 'none' && !context.buildx) {
      info(`${service.name}: cache ${inputs.cache} needs buildx; the classic builder uses the local layer cache`);
    }
    const secretValues = Object.fromEntries(Object.values(inputs.buildSecrets).map((v, i) => [secretEnv(i), v]));
    const env = { ...context.env, ...secretValues };
    try {
      if (context.buildx) {
        await dockerWithRetry(buildxBuildArgs(plan), {
          env,
          label: `${service.name}: buildx build`,
          attempts: inputs.push ? inputs.retryAttempts : 1,
          baseDelayMs: inputs.retryBaseDelay,
        });
      } else {
        const labelled = join(context.workDir, `${service.name}.Dockerfile`);
        writeFileSync(labelled, dockerfileWithLabels(readFileSync(plan.dockerfile, 'utf8'), plan.labels, plan.target));
        await exec('docker', classicBuildArgs(plan, labelled), { env, stream: inputs.concurrency === 1 });
      }
    } catch (error) {
      const output = (error as ExecError).result
        ? `${(error as ExecError).result.stdout}\n${(error as ExecError).result.stderr}`
        : errorMessage(error);
      const failure = describeBuildFailure(output);
      result.failedStep = failure.step;
      throw new Error(
        `the build failed${failure.step ? ` at ${failure.step}` : ''}; nothing was pushed\nLast lines of the build:\n${redact(failure.tail)}`,
      );
    }
    let digest: string | undefined;
    if (context.buildx && inputs.push) {
      const metadata = JSON.parse(readFileSync(plan.metadataFile, 'utf8')) as Record<string, string>;
      digest = metadata['containerimage.digest'];
    } else if (inputs.push) {
      // Every tag is its own push; the content tag goes last, so its presence means all went up.
      for (const reference of plan.references) {
        const pushed = await dockerWithRetry(['push', reference], {
          env: context.env,
          label: `${service.name}: docker push ${reference}`,
          attempts: inputs.retryAttempts,
          baseDelayMs: inputs.retryBaseDelay,
        });
        const reported = parsePushDigest(pushed.stdout);
        if (digest && reported && reported !== digest) {
          throw new Error(`docker push ${reference} reported ${reported}, the first tag ${digest}`);
        }
        digest ??= reported;
      }
    }
    if (inputs.push) {
      const manifest = await registry.manifest(digest ?? chTag);
      digest ??= manifest?.digest;
      if (manifest) result.size = manifestSize(manifest);
    } else {
      const id = readFileSync(plan.iidFile, 'utf8').trim();
      const inspected = await exec('docker', ['image', 'inspect', '--format', '{{.Size}}', id], {
        env: context.env,
        stream: false,
      });
      result.size = Number(inspected.stdout.trim()) || undefined;
      digest = id;
    }
    Object.assign(result, { status: 'built', digest });
    info(`${service.name}: built and ${inputs.push ? 'pushed' : 'kept locally'} ${digest}`);
    return result;
  } catch (error) {
    result.error = redact(errorMessage(error));
    core.error(`${service.name}: ${result.error}`, { title: `build-push-image: ${service.name}` });
    return result;
  } finally {
    result.durationMs = Date.now() - started;
    if (result.digest && result.status !== 'failed')
      result.image = inputs.push ? `${repo}@${result.digest}` : result.digest;
  }
}

function report(results: ServiceResult[], pushed: boolean): void {
  const map: Record<string, unknown> = {};
  for (const r of results) {
    map[r.name] = {
      image: r.image ?? '',
      digest: r.digest ?? '',
      tags: r.status === 'failed' ? [] : r.tags,
      status: r.status,
      size: r.size ?? null,
      durationMs: r.durationMs,
      contentTag: r.status === 'failed' || !pushed ? '' : r.contentTag,
    };
    if (r.status === 'failed') continue;
    setOutput(`image-${r.name}`, r.image ?? '');
    setOutput(`digest-${r.name}`, r.digest ?? '');
    setOutput(`tags-${r.name}`, r.tags.join('\n'));
  }
  const first = results[0];
  if (first && first.status !== 'failed') {
    setOutput('image', first.image ?? '');
    setOutput('digest', first.digest ?? '');
    setOutput('tags', first.tags.join('\n'));
  }
  setOutput('images', map);
  // What deploy steps take: {service: image@sha256:digest} of the services that have an image.
  setOutput(
    'refs',
    Object.fromEntries(results.filter((r) => r.status !== 'failed' && r.image).map((r) => [r.name, r.image])),
  );
  setOutput(
    'built',
    results
      .filter((r) => r.status === 'built')
      .map((r) => r.name)
      .join(','),
  );
  setOutput(
    'reused',
    results
      .filter((r) => r.status === 'reused')
      .map((r) => r.name)
      .join(','),
  );
}
