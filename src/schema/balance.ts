// Balance: the account's balance; it belongs to the brand, so it needs finished onboarding.

import type { BalanceView } from '../accounts/account-service.ts';
import { requireReadyBrand } from '../auth/authenticate.ts';
import { builder } from './builder.ts';

export const Balance = builder.objectRef<BalanceView>('Balance').implement({
  fields: (t) => ({
    amountCents: t.exposeInt('amountCents', { description: 'The balance in minor units (cents).' }),
    currency: t.exposeString('currency', { description: 'ISO 4217 currency code.' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
  }),
});

builder.queryField('balance', (t) =>
  t.field({
    type: Balance,
    description: "The account's balance. Needs an onboarded brand (425 brand_onboarding_in_progress).",
    resolve: (_root, _args, { principal, services }) => {
      requireReadyBrand(principal);
      return services.accounts.getBalance(principal.accountId);
    },
  }),
);
