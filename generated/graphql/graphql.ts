/* eslint-disable */
/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
import type { DocumentTypeDecoration } from '@graphql-typed-document-node/core';
/** Derived from the timestamps at read time. */
export type ApiKeyStatus =
  | 'ACTIVE'
  | 'EXPIRED'
  | 'REVOKED'
  | 'ROTATING';

export type BrandOnboardingStatus =
  | 'ONBOARDING'
  | 'READY';

export type ProxyBalanceQueryVariables = Exact<{ [key: string]: never; }>;


export type ProxyBalanceQuery = { balance: { amountCents: number, currency: string, updatedAt: string } };

export type ProxyBrandsQueryVariables = Exact<{ [key: string]: never; }>;


export type ProxyBrandsQuery = { brands: Array<{ id: string, name: string, domain: string, onboardingStatus: BrandOnboardingStatus }> };

export type BalanceQueryVariables = Exact<{ [key: string]: never; }>;


export type BalanceQuery = { balance: { amountCents: number, currency: string } };

export type CreateNamedKeyMutationVariables = Exact<{
  name?: string | null | undefined;
}>;


export type CreateNamedKeyMutation = { createApiKey: { secret: string, apiKey: { id: string, name: string, preview: string, status: ApiKeyStatus } } };

export type ApiKeysQueryVariables = Exact<{ [key: string]: never; }>;


export type ApiKeysQuery = { apiKeys: Array<{ id: string, name: string, last4: string, status: ApiKeyStatus }> };

export class TypedDocumentString<TResult, TVariables>
  extends String
  implements DocumentTypeDecoration<TResult, TVariables>
{
  __apiType?: NonNullable<DocumentTypeDecoration<TResult, TVariables>['__apiType']>;
  private value: string;
  public __meta__?: Record<string, any> | undefined;

  constructor(value: string, __meta__?: Record<string, any> | undefined) {
    super(value);
    this.value = value;
    this.__meta__ = __meta__;
  }

  override toString(): string & DocumentTypeDecoration<TResult, TVariables> {
    return this.value;
  }
}

export const ProxyBalanceDocument = new TypedDocumentString(`
    query ProxyBalance {
  balance {
    amountCents
    currency
    updatedAt
  }
}
    `) as unknown as TypedDocumentString<ProxyBalanceQuery, ProxyBalanceQueryVariables>;
export const ProxyBrandsDocument = new TypedDocumentString(`
    query ProxyBrands {
  brands {
    id
    name
    domain
    onboardingStatus
  }
}
    `) as unknown as TypedDocumentString<ProxyBrandsQuery, ProxyBrandsQueryVariables>;
export const BalanceDocument = new TypedDocumentString(`
    query Balance {
  balance {
    amountCents
    currency
  }
}
    `) as unknown as TypedDocumentString<BalanceQuery, BalanceQueryVariables>;
export const CreateNamedKeyDocument = new TypedDocumentString(`
    mutation CreateNamedKey($name: String) {
  createApiKey(input: {name: $name}) {
    secret
    apiKey {
      id
      name
      preview
      status
    }
  }
}
    `) as unknown as TypedDocumentString<CreateNamedKeyMutation, CreateNamedKeyMutationVariables>;
export const ApiKeysDocument = new TypedDocumentString(`
    query ApiKeys {
  apiKeys {
    id
    name
    last4
    status
  }
}
    `) as unknown as TypedDocumentString<ApiKeysQuery, ApiKeysQueryVariables>;