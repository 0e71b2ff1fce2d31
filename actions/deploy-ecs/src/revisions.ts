/**
 * Revision cleanup after a successful deploy: keep the newest N revisions of the family, and never
 * deregister one that is deployed, in use by a task, or the recorded rollback target.
 */
import { group, info } from '../../../shared/log.js';
import type { EcsApi } from './api.js';
import { ROLLBACK_TARGET_TAG } from './rollback.js';
import { parseRevisionArn, revisionsToDeregister } from './taskdef.js';

/** Deregisters what is beyond the newest `keep` revisions; returns the ARNs deregistered. */
export async function cleanup(
  api: EcsApi,
  keep: number,
  deployed: string,
  previous: string | undefined,
): Promise<string[]> {
  return group(`Keep the last ${keep} revisions`, async () => {
    const family = parseRevisionArn(deployed)?.family;
    if (!family) return [];
    const [revisions, service, inUse] = await Promise.all([
      api.listRevisions(family),
      api.describeService(),
      api.revisionsInUse(family),
    ]);
    const protectedArns = [
      deployed,
      previous ?? '',
      service.tags[ROLLBACK_TARGET_TAG] ?? '',
      service.taskDefinition,
      ...service.deployments.map((d) => d.taskDefinition),
      ...inUse,
    ];
    const doomed = revisionsToDeregister(revisions, family, keep, protectedArns);
    const deregistered: string[] = [];
    for (const arn of doomed) {
      await api.deregister(arn);
      deregistered.push(arn);
      info(`deregistered ${arn}`);
    }
    if (!doomed.length) info(`nothing to deregister (${revisions.length} ACTIVE revision(s) of ${family})`);
    return deregistered;
  });
}
