// Online orders the buyer pays in cash at this counter (网店订单收现金): the list of those
// still waiting, found by order number (typed, or a keyboard-wedge scan of the order's code
// ending in Enter), and per order the cash taken with the change worked out, as the cash
// sale does. Taking it is keyed by the order's cash payment, so a retry after a lost answer
// charges nothing twice.
import { bus, counter, el, gql, yuan } from "./api.js";

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
