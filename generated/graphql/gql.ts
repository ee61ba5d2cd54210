/* eslint-disable */
import * as types from './graphql.js';



/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "\n  query ProxyBalance {\n    balance {\n      amountCents\n      currency\n      updatedAt\n    }\n  }\n": typeof types.ProxyBalanceDocument,
    "\n  query ProxyBrands {\n    brands {\n      id\n      name\n      domain\n      onboardingStatus\n    }\n  }\n": typeof types.ProxyBrandsDocument,
    "\n  query Balance {\n    balance {\n      amountCents\n      currency\n    }\n  }\n": typeof types.BalanceDocument,
    "\n  mutation CreateNamedKey($name: String) {\n    createApiKey(input: { name: $name }) {\n      secret\n      apiKey {\n        id\n        name\n        preview\n        status\n      }\n    }\n  }\n": typeof types.CreateNamedKeyDocument,
    "\n  query ApiKeys {\n    apiKeys {\n      id\n      name\n      last4\n      status\n    }\n  }\n": typeof types.ApiKeysDocument,
};
const documents: Documents = {
    "\n  query ProxyBalance {\n    balance {\n      amountCents\n      currency\n      updatedAt\n    }\n  }\n": types.ProxyBalanceDocument,
    "\n  query ProxyBrands {\n    brands {\n      id\n      name\n      domain\n      onboardingStatus\n    }\n  }\n": types.ProxyBrandsDocument,
    "\n  query Balance {\n    balance {\n      amountCents\n      currency\n    }\n  }\n": types.BalanceDocument,
    "\n  mutation CreateNamedKey($name: String) {\n    createApiKey(input: { name: $name }) {\n      secret\n      apiKey {\n        id\n        name\n        preview\n        status\n      }\n    }\n  }\n": types.CreateNamedKeyDocument,
    "\n  query ApiKeys {\n    apiKeys {\n      id\n      name\n      last4\n      status\n    }\n  }\n": types.ApiKeysDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ProxyBalance {\n    balance {\n      amountCents\n      currency\n      updatedAt\n    }\n  }\n"): typeof import('./graphql.js').ProxyBalanceDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ProxyBrands {\n    brands {\n      id\n      name\n      domain\n      onboardingStatus\n    }\n  }\n"): typeof import('./graphql.js').ProxyBrandsDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Balance {\n    balance {\n      amountCents\n      currency\n    }\n  }\n"): typeof import('./graphql.js').BalanceDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CreateNamedKey($name: String) {\n    createApiKey(input: { name: $name }) {\n      secret\n      apiKey {\n        id\n        name\n        preview\n        status\n      }\n    }\n  }\n"): typeof import('./graphql.js').CreateNamedKeyDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ApiKeys {\n    apiKeys {\n      id\n      name\n      last4\n      status\n    }\n  }\n"): typeof import('./graphql.js').ApiKeysDocument;


export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}
