/**
 * IAM, as far as GitHub OIDC needs it: roles with an AssumeRolePolicyDocument (CreateRole,
 * GetRole, UpdateAssumeRolePolicy, DeleteRole, ListRoles) and OpenID Connect providers
 * (CreateOpenIDConnectProvider, GetOpenIDConnectProvider, ListOpenIDConnectProviders,
 * DeleteOpenIDConnectProvider). No permission policies: no call is authorized against them.
 */

import type { JsonWebKey } from 'node:crypto';
import { randomBytes } from 'node:crypto';
import { parsePolicy } from './policy.js';
import { type Doc, QueryError, requireParams } from './query.js';

export interface Role {
  name: string;
  path: string;
  id: string;
  arn: string;
  created: Date;
  policyText: string;
  // biome-ignore lint/suspicious/noExplicitAny: a parsed policy document
  policy: any;
  description?: string;
  maxSessionDuration: number;
  tags: { Key: string; Value: string }[];
}

export interface OidcProvider {
  arn: string;
  /** Without the scheme, as IAM stores it: `token.actions.githubusercontent.com`. */
  url: string;
  clientIds: string[];
  thumbprints: string[];
  created: Date;
}

const id = (prefix: string) =>
  prefix +
  Array.from(randomBytes(17), (b) => 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'[b % 32])
    .join('')
    .slice(0, 17);

export class Iam {
  readonly roles = new Map<string, Role>();
  readonly providers = new Map<string, OidcProvider>();
  /** Verification keys by issuer URL (emulator-only: STS would fetch them from the issuer). */
  readonly keys = new Map<string, { keys?: JsonWebKey[]; jwksUri?: string }>();

  constructor(readonly accountId: string) {}

  clear(): void {
    this.roles.clear();
    this.providers.clear();
    this.keys.clear();
  }

  roleByArn(arn: string): Role | undefined {
    return [...this.roles.values()].find((r) => r.arn === arn);
  }

  private role(name: string): Role {
    const role = this.roles.get(name);
    if (!role) throw new QueryError('NoSuchEntity', `The role with name ${name} cannot be found.`, 404);
    return role;
  }

  private provider(arn: string): OidcProvider {
    const provider = this.providers.get(arn);
    if (!provider) throw new QueryError('NoSuchEntity', `OpenIDConnect Provider not found for arn ${arn}`, 404);
    return provider;
  }

  /** IAM returns policy documents URL-encoded (RFC 3986). */
  private view(role: Role): Doc {
    return {
      Path: role.path,
      RoleName: role.name,
      RoleId: role.id,
      Arn: role.arn,
      CreateDate: role.created,
      AssumeRolePolicyDocument: encodeURIComponent(role.policyText),
      Description: role.description,
      MaxSessionDuration: role.maxSessionDuration,
      Tags: role.tags.length ? role.tags : undefined,
    };
  }

  handle(action: string, params: Doc): Doc {
    switch (action) {
      case 'CreateRole': {
        requireParams(params, ['RoleName', 'AssumeRolePolicyDocument']);
        const name = String(params.RoleName);
        if (this.roles.has(name))
          throw new QueryError('EntityAlreadyExists', `Role with name ${name} already exists.`, 409);
        const path = params.Path ?? '/';
        const maxSessionDuration = Number(params.MaxSessionDuration ?? 3600);
        if (!(maxSessionDuration >= 3600 && maxSessionDuration <= 43200)) {
          throw new QueryError(
            'ValidationError',
            `1 validation error detected: Value '${params.MaxSessionDuration}' at 'maxSessionDuration' failed to satisfy constraint: Member must have value less than or equal to 43200`,
          );
        }
        const role: Role = {
          name,
          path,
          id: id('AROA'),
          arn: `arn:aws:iam::${this.accountId}:role${path}${name}`,
          created: new Date(),
          policyText: params.AssumeRolePolicyDocument,
          policy: parsePolicy(params.AssumeRolePolicyDocument),
          description: params.Description,
          maxSessionDuration,
          tags: params.Tags ?? [],
        };
        this.roles.set(name, role);
        return { Role: this.view(role) };
      }
      case 'GetRole':
        requireParams(params, ['RoleName']);
        return { Role: this.view(this.role(params.RoleName)) };
      case 'ListRoles':
        return { Roles: [...this.roles.values()].map((r) => this.view(r)), IsTruncated: false };
      case 'UpdateAssumeRolePolicy': {
        requireParams(params, ['RoleName', 'PolicyDocument']);
        const role = this.role(params.RoleName);
        role.policy = parsePolicy(params.PolicyDocument);
        role.policyText = params.PolicyDocument;
        return {};
      }
      case 'DeleteRole':
        requireParams(params, ['RoleName']);
        this.role(params.RoleName);
        this.roles.delete(params.RoleName);
        return {};
      case 'CreateOpenIDConnectProvider': {
        requireParams(params, ['Url']);
        const url = String(params.Url)
          .replace(/^https:\/\//, '')
          .replace(/\/$/, '');
        if (!String(params.Url).startsWith('https://')) {
          throw new QueryError('ValidationError', 'Invalid Url: the URL must begin with https://');
        }
        const arn = `arn:aws:iam::${this.accountId}:oidc-provider/${url}`;
        if (this.providers.has(arn))
          throw new QueryError('EntityAlreadyExists', `Provider with url https://${url} already exists.`, 409);
        this.providers.set(arn, {
          arn,
          url,
          clientIds: params.ClientIDList ?? [],
          thumbprints: params.ThumbprintList ?? [],
          created: new Date(),
        });
        return { OpenIDConnectProviderArn: arn };
      }
      case 'GetOpenIDConnectProvider': {
        requireParams(params, ['OpenIDConnectProviderArn']);
        const p = this.provider(params.OpenIDConnectProviderArn);
        return { Url: p.url, ClientIDList: p.clientIds, ThumbprintList: p.thumbprints, CreateDate: p.created };
      }
      case 'ListOpenIDConnectProviders':
        return { OpenIDConnectProviderList: [...this.providers.keys()].map((Arn) => ({ Arn })) };
      case 'DeleteOpenIDConnectProvider':
        requireParams(params, ['OpenIDConnectProviderArn']);
        this.provider(params.OpenIDConnectProviderArn);
        this.providers.delete(params.OpenIDConnectProviderArn);
        return {};
      default:
        throw new QueryError('InvalidAction', `Could not find operation ${action} for version 2010-05-08`);
    }
  }
}
