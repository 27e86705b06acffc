// Every API case, for suite.ts: they talk HTTP/WebSocket/SSE to ctx.baseUrl and skip
// themselves without a node (see api-client.ts for the tokens they need).
import type { Case } from '../case.ts';
import { apiAdvancedCases } from './api-advanced.ts';
import { apiErrorCases } from './api-errors.ts';
import { apiMarketDataCases } from './api-market-data.ts';
import { apiOrderCases } from './api-orders.ts';
import { apiStreamCases } from './api-streams.ts';

export const apiCases: Case[] = [
  ...apiMarketDataCases,
  ...apiOrderCases,
  ...apiAdvancedCases,
  ...apiErrorCases,
  ...apiStreamCases,
];
