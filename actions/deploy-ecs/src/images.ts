import * as core from '@actions/core';
import { ConfigurationError, errorMessage } from '../../../shared/errors.js';
import { fetchWithRetry } from '../../../shared/http.js';

const MANIFESTS = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.docker.distribution.manifest.v2+json',
].join(', ');

/** `host:5000/repo/name:tag` -> registry host, repository, tag or digest (host only when it has a dot, a port or is localhost). */
export function splitImage(image: string): { host?: string; repository: string; reference: string } {
  const [namePart, digest] = image.split('@');
  let name = namePart!;
  let tag = 'latest';
  const lastColon = name.lastIndexOf(':');
  if (lastColon > name.lastIndexOf('/')) {
    tag = name.slice(lastColon + 1);
    name = name.slice(0, lastColon);
  }
  const first = name.split('/')[0]!;
  const hasHost = name.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost');
  return {
    host: hasHost ? first : undefined,
    repository: hasHost ? name.slice(first.length + 1) : name,
    reference: digest ?? tag,
  };
}

/**
 * Checks that each override image exists, before any ECS call, where the registry can be asked
 * without credentials: local registries (localhost, 127.0.0.1). Others are left to ECS.
 */
export async function verifyImages(images: Record<string, string>): Promise<void> {
  const problems: string[] = [];
  for (const [container, image] of Object.entries(images)) {
    const { host, repository, reference } = splitImage(image);
    if (!host || !/^(localhost|127\.0\.0\.1)(:\d+)?$/.test(host)) continue;
    try {
      const response = await fetchWithRetry(
        `http://${host}/v2/${repository}/manifests/${reference}`,
        { method: 'HEAD', headers: { accept: MANIFESTS }, timeoutMs: 5000 },
        { label: `check ${image}`, attempts: 3, baseDelayMs: 200, accept: (status) => status < 500 },
      );
      if (response.status === 404) {
        problems.push(
          `container-images: ${container}=${image} is not in the registry ${host} (manifest unknown); expected an image that was pushed`,
        );
      }
    } catch (error) {
      core.warning(`could not check ${image} in ${host}: ${errorMessage(error)}`);
    }
  }
  if (problems.length) throw new ConfigurationError(problems);
}
