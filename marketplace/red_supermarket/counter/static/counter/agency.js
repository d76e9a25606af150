// Agency services (代办): pick a category and an item, type the villager's details, take
// the money in cash or by scanning the villager's Alipay payment code, and see the
// provider's answer (asked only once the payment is in). Cash withdrawals (助农取款) have their
// own small form. Every submit carries a request id kept until the server answers, so a
// retried submit over a dropped connection is the same order and never pays twice.
// Government services done by hand are tasks: the open ones are listed with their outcome
// (done / could not be done, and a note) to record. Parcel items belong to the station's
// parcel register: picking one opens the parcels panel.
import { bus, counter, el, gql, requestAnswered, requestIdFor, yuan } from "./api.js";

const ITEM = `code name category flow providerName description amountMin { amount } amountMax { amount }
  feeRule feeValue inputFields { name label kind required pattern hint }`;
const ORDER = `id requestId status failureReason paymentMethod amount { amount } fee { amount }
  receiptNumber item { code name }`;
const WITHDRAWAL = "id requestId status failureReason amount { amount } commission { amount } receiptNumber";
const CATEGORIES = [
  ["UTILITY", "水电燃气"], ["TELECOM", "话费宽带"], ["CABLE_TV", "有线电视"],
  ["SOCIAL_INSURANCE", "城乡社保"], ["COMMERCIAL_INSURANCE", "车险财产险"], ["GOVERNMENT", "政务代办"],
  ["PARCEL", "快递代收代寄"],
];
// Where each parcel item is done on the parcels panel.
const PARCEL_FORMS = { "parcel-pickup": "#parcel-waybill", "parcel-dispatch": "#dispatch-waybill" };
const TASK = "id createdAt account item { name }";
const STATUS_TEXT = {
  SUBMITTING: "提交中", PROCESSING: "处理中，稍后查询", UNKNOWN: "结果未知，正在查询",
  SUCCESS: "办理成功", FAILED: "办理失败，已退款", MANUAL_REVIEW: "转人工核查", TASK_OPEN: "已登记，待办理",
  PAYING: "等待村民在手机上确认付款", NOT_PAID: "未收到付款，未办理",
};
const OPEN = ["PAYING", "SUBMITTING", "PROCESSING", "UNKNOWN"];
// The page's "check again" backs off (3 s, 6 s, 12 s … 30 s): a slow provider is asked
// a few times a minute, not every 2 s, while the server's own query schedule carries on.
const POLL_MS = 3000;
const POLL_MAX_MS = 30000;
const pollDelay = (polls) => Math.min(POLL_MS * 2 ** polls, POLL_MAX_MS);

let items = [];
let list, form, outcome, tasks, taskMessage;

export async function mount(section) {
  const tabs = el("div", { class: "agency-categories", id: "agency-categories" },
    CATEGORIES.map(([code, label]) =>
      el("button", { type: "button", class: "key", "data-category": code, onclick: () => showCategory(code) }, label)));
  list = el("div", { class: "agency-items", id: "agency-items" });
  form = el("form", { class: "card agency-form", id: "agency-form", hidden: true });
  outcome = el("div", { class: "outcome", id: "agency-outcome", role: "status" });
  tasks = el("tbody", { id: "agency-tasks" });
  taskMessage = el("div", { class: "outcome", id: "task-outcome", role: "status" });
  section.append(
    el("div", { class: "agency" }, tabs, list, form, outcome, withdrawalForm(),
      el("div", { class: "card" }, el("h2", {}, "待办任务"), taskMessage,
        el("table", { class: "cart" },
          el("thead", {}, el("tr", {}, el("th", {}, "事项"), el("th", {}, "登记时间"), el("th", {}, "备注"), el("th", {}))),
          tasks))));
  const data = await gql(`query { agencyServiceItems(first: 100) { edges { node { ${ITEM} } } } }`);
  items = data.agencyServiceItems.edges.map((edge) => edge.node);
  bus.on("shown", (id) => { if (id === "agency") { outcome.replaceChildren(); refreshTasks(); } });
  await refreshTasks();
}

function openParcels(item) {
  if (!counter.supermarket.stationId) return say("本店没有代收点 / this supermarket hosts no station", "error");
  bus.emit("open-panel", { id: "parcels", focus: PARCEL_FORMS[item.code] });
}

function showCategory(category) {
  list.replaceChildren(...items.filter((item) => item.category === category && item.flow !== "TICKET").map((item) =>
    el("button", { type: "button", class: "key", "data-item": item.code,
      onclick: () => (category === "PARCEL" ? openParcels(item) : showItem(item)) }, item.name)));
  form.hidden = true;
}

function showItem(item) {
  const fields = item.inputFields.map((field) =>
    el("label", {}, `${field.label} `,
      el("input", { name: field.name, "data-field": field.name, required: field.required, placeholder: field.hint || "", autocomplete: "off" })));
  const amount = el("input", { name: "amount", id: "agency-amount", inputmode: "decimal",
    placeholder: `${yuan(item.amountMin)}–${yuan(item.amountMax)}` });
  // Left empty, the villager pays cash; a scanned code (the scanner types it and Enter)
  // pays by Alipay.
  const authCode = el("input", { name: "auth_code", id: "agency-auth-code", inputmode: "numeric",
    autocomplete: "off", placeholder: "扫付款码（不扫则收现金）" });
  form.replaceChildren(
    el("h2", { id: "agency-item-name" }, item.name),
    el("p", { class: "hint" }, item.description),
    ...fields,
    item.flow === "TASK" ? el("span") : el("label", {}, "金额 ", amount),
    item.flow === "TASK" ? el("span") : el("label", {}, "支付宝付款码 ", authCode),
    el("button", { type: "submit", id: "agency-submit" }, item.flow === "TASK" ? "登记" : "收款并办理"));
  form.onsubmit = (event) => { event.preventDefault(); submit(item, form); };
  form.hidden = false;
}

async function submit(item, formNode) {
  const fields = {};
  for (const input of formNode.querySelectorAll("[data-field]")) fields[input.dataset.field] = input.value.trim();
  const amountInput = formNode.querySelector("#agency-amount");
  const codeInput = formNode.querySelector("#agency-auth-code");
  const authCode = codeInput ? codeInput.value.replace(/\s+/g, "") : "";
  const payment = authCode ? { paymentMethod: "ALIPAY_CODE", authCode } : { paymentMethod: "CASH" };
  const amount = amountInput ? amountInput.value.trim() : "0";
  const key = `agency:${item.code}`;
  // A pending request id belongs to what was typed when it was made: the same form again
  // is a retry, but another account or amount is the next villager and gets a new id.
  const typed = JSON.stringify([fields, amount, payment.paymentMethod]);
  if (sessionStorage.getItem(`agency-typed:${key}`) !== typed) requestAnswered(key);
  sessionStorage.setItem(`agency-typed:${key}`, typed);
  say("正在提交…", "");
  try {
    const data = await gql(
      `mutation($input: AgencyOrderCreateInput!) { agencyOrderCreate(input: $input) { agencyOrder { ${ORDER} } errors { field code message } } }`,
      { input: { supermarket: counter.supermarket.id, requestId: requestIdFor(key), item: item.code,
        fields, amount, ...payment } },
    );
    const answer = data.agencyOrderCreate;
    requestAnswered(key);
    if (answer.errors.length) {
      if (answer.errors[0].code === "PARCEL_REGISTER") return openParcels(item);
      return say(answer.errors.map((e) => e.message).join("；"), "error", answer.errors[0].code);
    }
    if (answer.agencyOrder.status === "TASK_OPEN") refreshTasks();
    if (codeInput) codeInput.value = "";  // a payment code pays once
    showOrder(answer.agencyOrder);
    bus.emit("cash-moved");
  } catch (e) {
    // Not answered: the request id stays, so pressing again resubmits the same order.
    say(`${e.message}（可再按一次，不会重复扣款）`, "error");
  }
}

function showOrder(order, polls = 0) {
  const tone = order.status === "SUCCESS" || order.status === "TASK_OPEN" ? "ok"
    : order.status === "FAILED" || order.status === "NOT_PAID" ? "error" : "";
  outcome.replaceChildren(el("div", { class: `order ${tone}`, id: "agency-order", "data-status": order.status },
    el("p", { id: "agency-status" }, `${order.item.name}：${STATUS_TEXT[order.status] || order.status}`),
    el("p", {}, `金额 ${yuan(order.amount)}，手续费 ${yuan(order.fee)}`),
    order.failureReason ? el("p", { class: "error", id: "agency-failure" }, order.failureReason) : el("span"),
    order.receiptNumber ? receiptLinks(order.receiptNumber, "agency-receipt") : el("span")));
  if (OPEN.includes(order.status)) setTimeout(() => refresh(order.id, polls + 1), pollDelay(polls));
}

async function refresh(id, polls) {
  try {
    const data = await gql(`mutation($id: ID!) { agencyOrderRefresh(id: $id) { agencyOrder { ${ORDER} } errors { message } } }`, { id });
    const answer = data.agencyOrderRefresh;
    if (answer.agencyOrder) showOrder(answer.agencyOrder, polls);
  } catch (e) {
    setTimeout(() => refresh(id, polls + 1), pollDelay(polls + 1));
  }
}

function withdrawalForm() {
  const card = el("input", { id: "withdrawal-card", inputmode: "numeric", autocomplete: "off", placeholder: "银行卡号" });
  const amount = el("input", { id: "withdrawal-amount", inputmode: "decimal", placeholder: "取款金额" });
  const box = el("div", { id: "withdrawal-outcome", class: "outcome", role: "status" });
  const node = el("form", { class: "card withdrawal", id: "withdrawal-form" },
    el("h2", {}, "助农取款"),
    el("label", {}, "卡号 ", card), el("label", {}, "金额 ", amount),
    el("button", { type: "submit", id: "withdrawal-submit" }, "取款"), box);
  node.onsubmit = async (event) => {
    event.preventDefault();
    const key = "withdrawal";
    try {
      const data = await gql(
        `mutation($input: CashWithdrawalCreateInput!) { cashWithdrawalCreate(input: $input) { cashWithdrawal { ${WITHDRAWAL} } errors { field code message } } }`,
        { input: { supermarket: counter.supermarket.id, requestId: requestIdFor(key), cardNumber: card.value.replace(/\s+/g, ""), amount: amount.value.trim() } },
      );
      const answer = data.cashWithdrawalCreate;
      requestAnswered(key);
      if (answer.errors.length) {
        box.replaceChildren(el("p", { class: "error", id: "withdrawal-error", "data-code": answer.errors[0].code }, answer.errors.map((e) => e.message).join("；")));
        return;
      }
      const w = answer.cashWithdrawal;
      box.replaceChildren(el("p", { class: w.status === "SUCCESS" ? "ok" : "error", id: "withdrawal-status", "data-status": w.status },
        w.status === "SUCCESS" ? `请付给村民现金 ${yuan(w.amount)}` : (w.failureReason || w.status)),
        w.receiptNumber ? receiptLinks(w.receiptNumber, "withdrawal-receipt") : el("span"));
      bus.emit("cash-moved");
    } catch (e) {
      box.replaceChildren(el("p", { class: "error" }, `${e.message}（可再按一次，不会重复取款）`));
    }
  };
  return node;
}

// Receipts of agency orders are printed from the receipts panel, like every other one.
function receiptLinks(number, id) {
  bus.emit("sale", { receipt: { number } });
  return el("p", {}, "回执 ", el("span", { id }, number));
}

function say(text, tone, code) {
  outcome.replaceChildren(el("p", { class: tone, id: "agency-message", "data-code": code || "" }, text));
}

async function refreshTasks() {
  const data = await gql(
    `query($s: ID!) { agencyOrders(supermarket: $s, status: TASK_OPEN, first: 50) { edges { node { ${TASK} } } } }`,
    { s: counter.supermarket.id },
  );
  tasks.replaceChildren(...data.agencyOrders.edges.map(({ node }) => {
    const note = el("input", { class: "task-note", autocomplete: "off", placeholder: "办理结果说明" });
    return el("tr", { "data-order": node.id },
      // The list faces the counter: only the account's (ID number's) tail is on screen.
      el("td", {}, `${node.item.name}${node.account ? ` …${node.account.slice(-4)}` : ""}`),
      el("td", {}, new Date(node.createdAt).toLocaleString("zh-CN")),
      el("td", {}, note),
      el("td", {},
        el("button", { type: "button", class: "task-done", onclick: () => closeTask(node, "TASK_DONE", note.value) }, "已办好"),
        el("button", { type: "button", class: "task-rejected remove", onclick: () => closeTask(node, "TASK_REJECTED", note.value) }, "办不成")));
  }));
}

async function closeTask(task, status, note) {
  try {
    const data = await gql(
      `mutation($id: ID!, $status: AgencyOrderStatusEnum!, $note: String) { agencyTaskUpdate(id: $id, status: $status, note: $note) {
        agencyOrder { id status operatorNote item { name } } errors { field code message } } }`,
      { id: task.id, status, note: note.trim() },
    );
    const answer = data.agencyTaskUpdate;
    if (answer.errors.length) {
      taskMessage.replaceChildren(el("p", { class: "error", id: "task-message", "data-code": answer.errors[0].code }, answer.errors.map((e) => e.message).join("；")));
    } else {
      const closed = answer.agencyOrder;
      taskMessage.replaceChildren(el("p", { class: "ok", id: "task-message", "data-status": closed.status },
        `${closed.item.name}：${closed.status === "TASK_DONE" ? "已办好" : "办不成"}${closed.operatorNote ? `（${closed.operatorNote}）` : ""}`));
    }
  } catch (e) {
    taskMessage.replaceChildren(el("p", { class: "error", id: "task-message" }, e.message));
  }
  await refreshTasks();
}
