// Online orders the buyer pays in cash at this counter (网店订单收现金): the list of those
// still waiting, found by order number (typed, or a keyboard-wedge scan of the order's code
// ending in Enter), and per order the cash taken with the change worked out, as the cash
// sale does. Taking it is keyed by the order's cash payment, so a retry after a lost answer
// charges nothing twice.
// Its 退现金 part hands that cash back: an order whose cash went into this till, found by
// its number with what is left, refunded whole (or, once cancelled, by its policy) or by a
// typed amount with a reason; the 退款回执 is shown to be signed. A submit keeps its
// request id until the server answers, so a retry after a lost answer pays out once.
import { bus, counter, el, fetchAuthorised, forgetRequestIfRetyped, gql, requestAnswered, requestUuidFor, yuan } from "./api.js";

const ORDER = "transactionId reference orderNumber createdAt amountDue { amount } linesSummary buyer";
const PAGE = 50;

let list, search, outcome;

export async function mount(section) {
  search = el("input", { id: "cash-order-search", class: "scan", autocomplete: "off", inputmode: "search", placeholder: "订单号或扫订单码，回车" });
  search.addEventListener("keydown", (event) => {
    if (event.key !== "Enter") return;
    event.preventDefault();
    refresh().catch((e) => say(e.message, "error"));
  });
  list = el("tbody", { id: "cash-orders" });
  outcome = el("div", { class: "outcome", id: "cash-order-outcome", role: "status" });
  section.append(el("div", { class: "card online-cash" },
    el("h2", {}, "网店订单收现金"),
    el("label", {}, "查找 ", search),
    el("button", { type: "button", id: "cash-orders-all", onclick: () => { search.value = ""; refresh().catch((e) => say(e.message, "error")); } }, "全部待收"),
    outcome,
    el("table", { class: "cart" },
      el("thead", {}, el("tr", {}, el("th", {}, "订单"), el("th", {}, "商品"), el("th", {}, "买家"), el("th", {}, "应收"), el("th", {}, "收现金"))),
      list)));
  section.append(refundCard());
  bus.on("shown", (id) => {
    if (id !== "online-cash") return;
    search.focus();
    refresh().catch((e) => say(e.message, "error"));
  });
  await refresh();
}

async function refresh() {
  const text = search.value.trim();
  const data = await gql(
    `query($s: ID!, $q: String, $n: Int) { counterCashOrders(supermarket: $s, search: $q, first: $n) { totalCount edges { node { ${ORDER} } } } }`,
    { s: counter.supermarket.id, q: text || null, n: PAGE },
  );
  const orders = data.counterCashOrders.edges.map(({ node }) => node);
  list.replaceChildren(...orders.map(row));
  if (text && !orders.length) say(`没有待收现金的订单“${text}”`, "error");
  // A scan found the one order: the operator types the cash given next.
  if (text && orders.length === 1) list.querySelector("input.cash-given")?.focus();
}

function cents(amount) {
  return Math.round(Number(amount) * 100);
}

function row(order) {
  const due = cents(order.amountDue.amount);
  const given = el("input", { class: "cash-given", inputmode: "decimal", autocomplete: "off", placeholder: "实收金额" });
  const change = el("span", { class: "change cash-order-change" });
  const take = () => takeCash(order, given.value.trim());
  given.addEventListener("input", () => {
    const got = cents(given.value);
    change.textContent = given.value && got >= due ? `找零 ¥${((got - due) / 100).toFixed(2)}` : "";
  });
  given.addEventListener("keydown", (event) => { if (event.key === "Enter") take(); });
  return el("tr", { "data-number": order.orderNumber, "data-reference": order.reference },
    el("td", {}, `#${order.orderNumber}`, el("br"), el("small", {}, new Date(order.createdAt).toLocaleString("zh-CN"))),
    el("td", {}, order.linesSummary),
    el("td", { class: "buyer" }, order.buyer),
    el("td", { class: "due" }, yuan(order.amountDue)),
    el("td", {}, given, change,
      el("button", { type: "button", class: "take-cash", onclick: take }, `收现金 ${yuan(order.amountDue)}`)));
}

async function takeCash(order, givenText) {
  const due = cents(order.amountDue.amount);
  // Nothing typed means exact money; less than due is a slip, not a partial payment.
  const given = givenText ? cents(givenText) : due;
  if (!Number.isFinite(given) || given < due) return say(`实收不足：应收 ${yuan(order.amountDue)}`, "error");
  say(`正在收 #${order.orderNumber} 的现金…`, "wait");
  let answer;
  try {
    const data = await gql(
      `mutation($id: ID!) { counterOrderCashConfirm(id: $id) { transaction { chargedAmount { amount } } errors { field code message } } }`,
      { id: order.transactionId },
    );
    answer = data.counterOrderCashConfirm;
  } catch (e) {
    // The cash is taken once per order whatever the number of presses: pressing again is safe.
    return say(`${e.message}（可再按一次收现金，不会重复入账）`, "error");
  }
  if (answer.errors.length) {
    if (answer.errors.some((err) => err.code === "NO_OPEN_SHIFT")) {
      return say("请先开钱箱，再收现金", "error", el("button", { type: "button", id: "cash-order-open-till", onclick: () => bus.emit("open-panel", { id: "till", focus: "#float-amount" }) }, "去开钱箱"));
    }
    return say(answer.errors.map((err) => err.message).join("；"), "error");
  }
  const change = (given - due) / 100;
  say(`已收 #${order.orderNumber} 现金 ${yuan(order.amountDue)}`, "ok",
    el("p", { class: "change", id: "cash-order-change-given" }, `实收 ¥${(given / 100).toFixed(2)}，找零 ¥${change.toFixed(2)}`));
  list.querySelector(`tr[data-reference="${order.reference}"]`)?.remove();
  // What the cash sale says when cash comes into the till: the till and receipts refresh.
  bus.emit("sale", { onlineOrder: order.orderNumber });
  bus.emit("cash-moved");
  // Back to every order still waiting, ready for the next scan.
  search.value = "";
  search.focus();
  refresh().catch(() => {});
}

function say(text, tone, ...more) {
  outcome.replaceChildren(el("p", { class: tone, id: "cash-order-message" }, text), ...more);
}

// 退现金: hand back cash an online order was paid with at this counter.
const REFUNDABLE = "shopOrderId orderNumber buyer cancelled paid { amount } refunded { amount } left { amount } policyAmount { amount }";
// What the operator is told for the refusals a refund at the till runs into.
const REFUND_REFUSALS = {
  NO_OPEN_SHIFT: () => "钱箱没开，不能退现金：请先开钱箱",
  NOT_ENOUGH_CASH: () => "钱箱里的现金不够退这笔钱，请先核对钱箱",
  AMOUNT_TOO_HIGH: (order) => `退款金额超过可退金额${order ? `（最多 ${yuan(order.left)}）` : ""}`,
  NOT_PAID: () => "这笔订单的现金不是在本店收的，不能在这里退",
};

let refundNumber, refundFound, refundOutcome;

function refundCard() {
  refundNumber = el("input", { id: "refund-order-number", class: "scan", autocomplete: "off", inputmode: "search", placeholder: "订单号或扫订单码，回车" });
  refundNumber.addEventListener("keydown", (event) => {
    if (event.key !== "Enter") return;
    event.preventDefault();
    findRefundable().catch((e) => sayRefund(e.message, "error"));
  });
  refundFound = el("div", { id: "refund-order" });
  refundOutcome = el("div", { class: "outcome", id: "cash-refund-outcome", role: "status" });
  return el("div", { class: "card online-cash-refund" },
    el("h2", {}, "退现金"),
    el("label", {}, "网店订单号 ", refundNumber),
    el("button", { type: "button", id: "refund-find", onclick: () => findRefundable().catch((e) => sayRefund(e.message, "error")) }, "查找"),
    refundFound,
    refundOutcome);
}

async function findRefundable(keepOutcome = false) {
  const number = refundNumber.value.trim();
  if (!keepOutcome) refundOutcome.replaceChildren();
  refundFound.replaceChildren();
  if (!number) return;
  const data = await gql(
    `query($s: ID!, $n: String!) { counterCashRefundable(supermarket: $s, number: $n) { ${REFUNDABLE} } }`,
    { s: counter.supermarket.id, n: number },
  );
  const order = data.counterCashRefundable;
  if (!order) return sayRefund(`没有在本店付现金的订单“${number}”`, "error");
  refundFound.replaceChildren(refundForm(order));
}

function refundForm(order) {
  const amount = el("input", { id: "refund-amount", inputmode: "decimal", autocomplete: "off", placeholder: "退款金额" });
  const reason = el("input", { id: "refund-reason", autocomplete: "off", placeholder: "退款原因（印在回执上）" });
  const nothingLeft = Number(order.left.amount) <= 0;
  // A cancelled order is refunded by its cancellation policy (the server works it out,
  // tourism tiers included); otherwise "all" is what is left.
  const whole = order.cancelled
    ? { label: `按取消政策退${order.policyAmount ? ` ${yuan(order.policyAmount)}` : ""}`, amount: null }
    : { label: `退剩余全部 ${yuan(order.left)}`, amount: Number(order.left.amount).toFixed(2) };
  return el("div", { class: "refundable", "data-shop-order": order.shopOrderId },
    el("p", {}, `#${order.orderNumber} `, el("span", { class: "buyer" }, order.buyer), order.cancelled ? " （已取消）" : ""),
    el("p", {}, `已付 ${yuan(order.paid)}，已退 ${yuan(order.refunded)}，可退 `, el("strong", { id: "refund-left" }, yuan(order.left))),
    el("label", {}, "退款原因 ", reason),
    el("button", { type: "button", id: "refund-whole", disabled: nothingLeft, onclick: () => refundCash(order, whole.amount, reason.value.trim()) }, whole.label),
    el("label", {}, "或只退 ", amount),
    el("button", { type: "button", id: "refund-typed", disabled: nothingLeft, onclick: () => {
      const typed = amount.value.trim();
      if (!typed || !(Number(typed) > 0)) return sayRefund("请填要退的金额", "error");
      refundCash(order, typed, reason.value.trim());
    } }, "退所填金额"));
}

async function refundCash(order, amount, reason) {
  const key = `order-cash-refund:${order.shopOrderId}`;
  // The same order, amount and reason pressed again is a retry; anything else is new.
  forgetRequestIfRetyped(key, { a: amount, r: reason });
  sayRefund(`正在退 #${order.orderNumber} 的现金…`, "wait");
  let answer;
  try {
    const data = await gql(
      `mutation($o: ID!, $a: String, $r: UUID!, $why: String) {
        counterOrderCashRefund(shopOrder: $o, amount: $a, requestId: $r, reason: $why) {
          refund { amount { amount } } receipt { number printUrl } errors { field code message } } }`,
      { o: order.shopOrderId, a: amount, r: requestUuidFor(key), why: reason || null },
    );
    answer = data.counterOrderCashRefund;
  } catch (e) {
    // No answer: the request id stays, so pressing again hands back nothing twice.
    return sayRefund(`${e.message}（可再按一次，不会重复退钱）`, "error");
  }
  requestAnswered(key);
  if (answer.errors.length) {
    const more = answer.errors.some((err) => err.code === "NO_OPEN_SHIFT")
      ? [el("button", { type: "button", id: "cash-refund-open-till", onclick: () => bus.emit("open-panel", { id: "till", focus: "#float-amount" }) }, "去开钱箱")]
      : [];
    const text = answer.errors.map((err) => (REFUND_REFUSALS[err.code] || (() => err.message))(order)).join("；");
    return sayRefund(text, "error", ...more);
  }
  const { refund, receipt } = answer;
  const preview = el("iframe", { id: "cash-refund-receipt-preview", class: "preview", title: "退款回执" });
  sayRefund(`已退 #${order.orderNumber} 现金 ${yuan(refund.amount)}，请买家在回执上签字`, "ok",
    el("p", {}, "回执 ", el("span", { id: "cash-refund-receipt" }, receipt.number)),
    preview);
  bus.emit("sale", { receipt });
  bus.emit("cash-moved");
  // What is left now, for a second refund of the same order.
  await findRefundable(true).catch(() => {});
  try {
    preview.srcdoc = await (await fetchAuthorised(receipt.printUrl)).text();
  } catch (e) {
    preview.replaceWith(el("p", { class: "error" }, `${e.message}（回执可在“回执”里重打）`));
  }
}

function sayRefund(text, tone, ...more) {
  refundOutcome.replaceChildren(el("p", { class: tone, id: "cash-refund-message" }, text), ...more);
}
