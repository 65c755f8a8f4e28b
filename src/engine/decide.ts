// decide: one line per command type; each rule emits its events through the context.
import type { Command } from './commands.js';
import type { Ctx } from './ctx.js';
import { unreachable } from './events.js';
import { fundingCycle } from './funding.js';
import { cancelTraderOrder } from './orders/cancel.js';
import { executeTraderOrder } from './orders/close.js';
import { createTraderOrder } from './orders/open.js';
import { createLendOrder, executeLendOrder } from './pool/lend.js';
import { recalculateRiskState, setFlag, setMarketHalt, updateFees, updateRiskParams } from './risk/admin.js';
import { checkFeed, heartbeat, priceTick, triggerPriceCheck, updateFeedParams } from './tick.js';

export function decideInto(ctx: Ctx, cmd: Command): void {
  switch (cmd.type) {
    case 'CreateTraderOrder':
    case 'CreateTraderOrderSlTp':
      return createTraderOrder(ctx, cmd.params);
    case 'ExecuteTraderOrder':
    case 'ExecuteTraderOrderSlTp':
      return executeTraderOrder(ctx, cmd);
    case 'CancelTraderOrder':
    case 'CancelTraderOrderSlTp':
      return cancelTraderOrder(ctx, cmd);
    case 'CreateLendOrder':
      return createLendOrder(ctx, cmd.params);
    case 'ExecuteLendOrder':
      return executeLendOrder(ctx, cmd.params);
    case 'InitPool':
      return initPool(ctx, cmd.params);
    case 'PriceTick':
      return priceTick(ctx, cmd);
    case 'Heartbeat':
      return heartbeat(ctx);
    case 'FundingCycle':
      return fundingCycle(ctx, cmd.params.boundary);
    case 'CheckFeed':
      return checkFeed(ctx);
    case 'UpdateFeedParams':
      return updateFeedParams(ctx, cmd);
    case 'Snapshot':
      return ctx.emit('SnapshotRequested', {});
    case 'UpdateFees':
      return updateFees(ctx, cmd);
    case 'SetMarketHalt':
      return setMarketHalt(ctx, cmd);
    case 'SetMarketCloseOnly':
    case 'SetPauseFunding':
    case 'SetPausePriceFeed':
      return setFlag(ctx, cmd);
    case 'UpdateRiskParams':
      return updateRiskParams(ctx, cmd);
    case 'RecalculateRiskState':
      return recalculateRiskState(ctx);
    case 'TriggerPriceCheck':
      return triggerPriceCheck(ctx, cmd);
    default:
      return unreachable(cmd);
  }
}

/** §2.5 InitPool: once; genesis shares belong to the operator and are not withdrawable. */
function initPool(ctx: Ctx, p: { total_locked_value: number; total_pool_share: number; account_id: string }): void {
  if (ctx.state.pool !== null) {
    return ctx.reject('Error', 'POOL_EXISTS', 'the pool is already initialised', { account_id: p.account_id });
  }
  ctx.emit('PoolInitialized', {
    pool: { total_locked_value: p.total_locked_value, total_pool_share: p.total_pool_share, nonce: 0 },
    account_id: p.account_id,
  });
}
