// Brand: the account's brands and their onboarding. Readable during onboarding (clients poll it).

import type { BrandView } from '../accounts/account-service.ts';
import { builder } from './builder.ts';

const BrandOnboardingStatus = builder.enumType('BrandOnboardingStatus', {
  values: ['ONBOARDING', 'READY'] as const,
});

export const Brand = builder.objectRef<BrandView>('Brand').implement({
  fields: (t) => ({
    id: t.exposeID('id'),
    name: t.exposeString('name'),
    domain: t.exposeString('domain'),
    onboardingStatus: t.expose('onboardingStatus', { type: BrandOnboardingStatus }),
    onboardingStartedAt: t.expose('onboardingStartedAt', { type: 'DateTime', nullable: true }),
    readyAt: t.expose('readyAt', { type: 'DateTime', nullable: true }),
  }),
});

builder.queryField('brands', (t) =>
  t.field({
    type: [Brand],
    description: "The account's brands; works while onboarding is still running.",
    resolve: (_root, _args, { principal, services }) => services.accounts.listBrands(principal.accountId),
  }),
);
