export declare const OIDC_HOST: string;
export declare const OIDC_PROVIDER_ARN: string;
export declare function trustPolicy(sub: string): Record<string, unknown>;
export declare function registerOidcRoles(endpoint: string, roles: { name: string; sub: string }[]): Promise<void>;
