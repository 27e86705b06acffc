// Numbered codes shared by the WASM core (AssemblyScript), its binding and the reference
// matcher. This file is valid AssemblyScript and valid erasable TypeScript, so both sides
// read the same numbers. Numbers are never renumbered: add new ones at the end.

// ---- command kinds (CommandRecord.kind) ----
export const CMD_PLACE = 1;
export const CMD_CANCEL = 2;
export const CMD_REDUCE = 3;
export const CMD_AMEND = 4;

// ---- sides ----
export const SIDE_BUY = 0;
export const SIDE_SELL = 1;

// ---- order types ----
export const TYPE_LIMIT = 0;
export const TYPE_MARKET = 1;
export const TYPE_STOP_LIMIT = 2;
export const TYPE_STOP_MARKET = 3;

// ---- time in force ----
export const TIF_GTC = 0;
export const TIF_IOC = 1;
export const TIF_FOK = 2;

// ---- flags (bit set) ----
export const FLAG_POST_ONLY = 1;
export const FLAG_OCO = 2; // a limit order with a linked stop (stopPrice, ocoPrice)

// An iceberg shows at least 1/MAX_ICEBERG_PARTS of its quantity, so sweeping one costs at
// most that many refills (a tiny display on a huge order would otherwise be a denial of service).
export const MAX_ICEBERG_PARTS = 100;

// ---- self-trade prevention modes ----
export const STP_CANCEL_RESTING = 0;
export const STP_CANCEL_INCOMING = 1;
export const STP_CANCEL_BOTH = 2;
export const STP_DECREMENT = 3;

// ---- event kinds (EventRecord.kind) ----
export const EV_ACCEPTED = 1;
export const EV_REJECTED = 2;
export const EV_TRADE = 3;
export const EV_DONE = 4;
export const EV_REDUCED = 5;
export const EV_TRIGGERED = 6;
export const EV_AMENDED = 7;
export const EV_REFILLED = 8;

// ---- reject reasons (EventRecord.reason of EV_REJECTED); the order of checks: core-as/README.md ----
export const REJ_UNKNOWN_COMMAND = 1;
export const REJ_UNKNOWN_MARKET = 2;
export const REJ_INVALID_ID = 3;
export const REJ_INVALID_SIDE = 4;
export const REJ_INVALID_TYPE = 5;
export const REJ_INVALID_TIF = 6;
export const REJ_INVALID_FLAGS = 7;
export const REJ_INVALID_STP = 8;
export const REJ_INVALID_QUANTITY = 9;
export const REJ_INVALID_PRICE = 10;
export const REJ_OVERFLOW = 11;
export const REJ_DUPLICATE_ID = 12;
export const REJ_POST_ONLY_WOULD_CROSS = 13;
export const REJ_UNKNOWN_ORDER = 14;
export const REJ_NOT_OWNER = 15;
export const REJ_CAPACITY = 16;
export const REJ_INVALID_STOP_PRICE = 17;
export const REJ_INVALID_DISPLAY = 18;
export const REJ_INVALID_EXPIRY = 19;
export const REJ_NOT_AMENDABLE = 20;

// ---- done reasons (EventRecord.reason of EV_DONE) ----
export const DONE_FILLED = 1;
export const DONE_CANCELLED = 2;
export const DONE_EXPIRED = 3;
export const DONE_SELF_TRADE = 4;
export const DONE_REDUCED_TO_ZERO = 5;
export const DONE_FOK_UNFILLED = 6;
export const DONE_TIME_EXPIRED = 7;

// ---- record layouts (bytes) ----
// CommandRecord, 80 bytes, little endian
export const CMD_SIZE = 80;
export const CMD_OFF_KIND = 0; //     u8
export const CMD_OFF_SIDE = 1; //     u8
export const CMD_OFF_TYPE = 2; //     u8
export const CMD_OFF_TIF = 3; //      u8
export const CMD_OFF_FLAGS = 4; //    u8
export const CMD_OFF_STP = 5; //      u8
export const CMD_OFF_MARKET = 6; //   u16
export const CMD_OFF_ID = 8; //       u64 order id (0 is invalid)
export const CMD_OFF_OWNER = 16; //   u64 owner id
export const CMD_OFF_PRICE = 24; //   i64 price in ticks (0 for market orders; amend: new price, 0 = keep)
export const CMD_OFF_QTY = 32; //     i64 quantity in lots (reduce: amount to take off; amend: new total, 0 = keep)
export const CMD_OFF_TIME = 40; //    i64 command time; good-till-time orders expire when a command's time reaches theirs
export const CMD_OFF_STOP = 48; //    i64 stop price (stop orders, and the stop of an OCO)
export const CMD_OFF_DISPLAY = 56; // i64 iceberg display quantity (0: not an iceberg)
export const CMD_OFF_EXPIRES = 64; // i64 good-till time (0: none)
export const CMD_OFF_OCO_PRICE = 72; // i64 limit price of an OCO's stop leg (0: stop-market)

// EventRecord, 48 bytes, little endian
export const EV_SIZE = 48;
export const EV_OFF_KIND = 0; //      u8
export const EV_OFF_REASON = 1; //    u8  reject or done reason
export const EV_OFF_MARKET = 2; //    u16
export const EV_OFF_CMD = 4; //       u32 index of the command in its batch
export const EV_OFF_ID = 8; //        u64 order id (taker id for trades)
export const EV_OFF_OTHER = 16; //    u64 maker id for trades, owner for accepted
export const EV_OFF_PRICE = 24; //    i64 price (trade price for trades)
export const EV_OFF_QTY = 32; //      i64 quantity (traded, reduced by, or order quantity)
export const EV_OFF_REMAINING = 40; // i64 remaining of the order (maker remaining for trades)
