// A third-party Kraken Futures client, unmodified, against tickpath-sim (issue #4 acceptance):
// ccxt's `krakenfutures` (REST) and ccxt.pro's (websocket), pointed at the simulator's URLs.
//
//   CCXT_DIR=<dir with node_modules/ccxt> SIM_BASE=https://127.0.0.1:PORT SIM_WS=wss://127.0.0.1:PORT/ws/v1 \
//   SIM_API_KEY=... SIM_API_SECRET=... NODE_EXTRA_CA_CERTS=<sim CA file> node ccxt_check.cjs
//
// Prints one line per step ("ok <step> ..." or "FAIL <step>: <error>") and exits 1 if any failed.
'use strict';
const path = require('path');
const { pathToFileURL } = require('url');
// ccxt's ES module build: its CommonJS build cannot load its ESM-only dependencies on Node 18
// (Debian 12's nodejs), the ESM build can.
let ccxt;

const base = process.env.SIM_BASE;
const wsUrl = process.env.SIM_WS;
const options = {
  apiKey: process.env.SIM_API_KEY,
  secret: process.env.SIM_API_SECRET,
  enableRateLimit: true,
  timeout: 10000,
};

function pointAtSim(exchange) {
  exchange.urls.api = Object.assign({}, exchange.urls.api, {
    public: base + '/derivatives/api/',
    private: base + '/derivatives/api/',
    charts: base + '/api/charts/',
    history: base + '/api/history/',
    feeschedules: base + '/api/feeschedules/',
    ws: wsUrl,
  });
  return exchange;
}

let failures = 0;
async function step(name, fn) {
  try {
    const detail = await fn();
    console.log(`ok ${name}${detail === undefined ? '' : ' ' + detail}`);
  } catch (e) {
    failures += 1;
    console.log(`FAIL ${name}: ${e && e.constructor ? e.constructor.name : ''} ${e && e.message ? e.message : e}`);
  }
}

function check(condition, what) {
  if (!condition) {
    throw new Error(what);
  }
}

function withTimeout(promise, ms, what) {
  return Promise.race([promise, new Promise((_, reject) => setTimeout(() => reject(new Error(`timeout: ${what}`)), ms))]);
}

(async () => {
  ccxt = (await import(pathToFileURL(path.join(process.env.CCXT_DIR, 'node_modules', 'ccxt', 'js', 'ccxt.js')).href)).default;
  const rest = pointAtSim(new ccxt.krakenfutures(options));
  const symbol = 'BTC/USD:USD';  // PF_XBTUSD
  const inverse = 'BTC/USD:BTC';  // PI_XBTUSD
  await step('loadMarkets', async () => {
    const markets = await rest.loadMarkets();
    check(markets[symbol] && markets[symbol].id === 'PF_XBTUSD', 'PF_XBTUSD missing');
    check(markets[inverse] && markets[inverse].inverse === true, 'PI_XBTUSD not inverse');
    check(markets[symbol].precision.amount === 0.0001, `amount precision ${markets[symbol].precision.amount}`);
    check(markets[symbol].precision.price === 1, `price precision ${markets[symbol].precision.price}`);
    return Object.keys(markets).join(',');
  });
  let book;
  await step('fetchOrderBook', async () => {
    book = await rest.fetchOrderBook(symbol);
    check(book.bids.length > 0 && book.asks.length > 0, 'empty book');
    check(book.bids[0][0] < book.asks[0][0], 'crossed book');
    return `bid ${book.bids[0][0]} ask ${book.asks[0][0]} levels ${book.bids.length}/${book.asks.length}`;
  });
  await step('fetchTicker', async () => {
    const t = await rest.fetchTicker(symbol);
    check(t.bid > 0 && t.ask > 0, 'no bid/ask');
    return `bid ${t.bid} ask ${t.ask} last ${t.last}`;
  });
  await step('fetchTickers', async () => {
    const t = await rest.fetchTickers();
    check(Object.keys(t).length >= 4, 'fewer than 4 tickers');
    return Object.keys(t).length + ' tickers';
  });
  await step('fetchTrades', async () => {
    const trades = await rest.fetchTrades(symbol);
    return trades.length + ' trades';
  });
  await step('fetchBalance', async () => {
    const b = await rest.fetchBalance();
    return JSON.stringify(b.total);
  });
  let orderId;
  const price = book ? Math.floor(book.bids[0][0] * 0.95) : 60000;
  await step('createOrder limit', async () => {
    const o = await rest.createOrder(symbol, 'limit', 'buy', 0.001, price);
    orderId = o.id;
    check(typeof o.id === 'string' && o.id.length === 36, `order id ${o.id}`);
    return `${o.id} ${o.status}`;
  });
  await step('fetchOpenOrders', async () => {
    const open = await rest.fetchOpenOrders(symbol);
    check(open.some((o) => o.id === orderId), 'placed order not listed');
    return open.length + ' open';
  });
  await step('editOrder', async () => {
    const o = await rest.editOrder(orderId, symbol, 'limit', 'buy', 0.002, price - 1);
    return `${o.id} ${o.status}`;
  });
  await step('cancelOrder', async () => {
    const o = await rest.cancelOrder(orderId, symbol);
    const open = await rest.fetchOpenOrders(symbol);
    check(!open.some((x) => x.id === orderId), 'cancelled order still open');
    return `${o.id} ${o.status}`;
  });
  await step('createOrder market + fetchMyTrades', async () => {
    const o = await rest.createOrder(symbol, 'market', 'buy', 0.001);
    const mine = await rest.fetchMyTrades(symbol);
    check(mine.length > 0, 'no fills after a market order');
    return `${o.id} ${o.status} fills ${mine.length}`;
  });
  await step('fetchPositions', async () => {
    const p = await rest.fetchPositions([symbol]);
    check(p.length > 0, 'no position after the market order');
    return `${p[0].side} ${p[0].contracts}`;
  });
  await step('cancelAllOrders', async () => {
    await rest.createOrder(symbol, 'limit', 'buy', 0.001, price);
    await rest.cancelAllOrders(symbol);
    const open = await rest.fetchOpenOrders(symbol);
    check(open.length === 0, `${open.length} still open`);
  });

  const pro = pointAtSim(new ccxt.pro.krakenfutures(options));
  await step('watchOrderBook', async () => {
    const ob = await withTimeout(pro.watchOrderBook(symbol), 10000, 'watchOrderBook');
    check(ob.bids.length > 0 && ob.asks.length > 0, 'empty');
    const again = await withTimeout(pro.watchOrderBook(symbol), 10000, 'second update');
    check(again.bids[0][0] < again.asks[0][0], 'crossed');
    return `bid ${again.bids[0][0]} ask ${again.asks[0][0]} nonce ${again.nonce}`;
  });
  await step('watchTrades', async () => {
    const trades = await withTimeout(pro.watchTrades(symbol), 15000, 'watchTrades');
    return trades.length + ' trades';
  });
  await step('watchTicker', async () => {
    const t = await withTimeout(pro.watchTicker(symbol), 10000, 'watchTicker');
    return `bid ${t.bid} ask ${t.ask}`;
  });
  await step('watchOrders', async () => {
    const pending = withTimeout(pro.watchOrders(symbol), 10000, 'watchOrders');
    await new Promise((r) => setTimeout(r, 500));
    const o = await rest.createOrder(symbol, 'limit', 'sell', 0.001, Math.ceil(price * 1.2));
    const orders = await pending;
    await rest.cancelOrder(o.id, symbol);
    return orders.length + ' order updates';
  });
  await step('watchMyTrades', async () => {
    const pending = withTimeout(pro.watchMyTrades(symbol), 10000, 'watchMyTrades');
    await new Promise((r) => setTimeout(r, 500));
    await rest.createOrder(symbol, 'market', 'sell', 0.001);
    const trades = await pending;
    return trades.length + ' fills';
  });
  await step('watchBalance', async () => {
    const b = await withTimeout(pro.watchBalance(), 10000, 'watchBalance');
    return JSON.stringify(b.total || {});
  });
  await pro.close();
  console.log(failures === 0 ? 'ALL OK' : `${failures} FAILED`);
  process.exit(failures === 0 ? 0 : 1);
})().catch((e) => {
  console.log('FAIL crashed: ' + (e && e.stack ? e.stack : e));
  process.exit(1);
});
