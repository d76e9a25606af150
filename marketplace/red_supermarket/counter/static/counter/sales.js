// Selling: a scan box that keeps the focus (a keyboard-wedge scanner types the barcode fast
// and presses Enter), name search, quick keys, the cart, the member (会员) the sale is for,
// and the three ways to pay.
import { bus, counter, el, gql, requestAnswered, requestIdFor, yuan } from "./api.js";

const ITEM = "variantId name variantName barcode available price { amount currency }";
const SALE = `id requestId status paymentMethod total { amount } change { amount } cashReceived { amount }
  qrCode failureCode failureReason receipt { number printUrl pdfUrl }
  member { id reference headName phone }`;
// As the API shows a household to this operator: masked unless the role is entitled.
const MEMBER = "id reference headName phone isMasked";
// How often a waiting Alipay sale is polled: the server's COUNTER_ALIPAY_POLL_SECONDS.
const POLL_MS = JSON.parse(document.getElementById("counter-config").textContent).pollMs || 2000;

const cart = new Map();
let root, scan, results, lines, totalBox, outcome, pollTimer;
let member = null;
let memberBox;

export async function mount(section) {
  root = section;
  scan = el("input", { id: "scan", class: "scan", placeholder: "扫码或输入商品名，回车", autocomplete: "off", inputmode: "search" });
  results = el("ul", { class: "results", id: "search-results" });
  lines = el("tbody", { id: "cart-lines" });
  totalBox = el("strong", { id: "cart-total" }, "¥0.00");
  outcome = el("div", { id: "sale-outcome", class: "outcome", role: "status" });
  const keys = el("div", { class: "quick-keys", id: "quick-keys" });
  const cash = el("input", { id: "cash-received", inputmode: "decimal", placeholder: "实收金额" });
  const change = el("span", { id: "cash-change", class: "change" });
  const authCode = el("input", { id: "auth-code", inputmode: "numeric", placeholder: "扫顾客付款码", autocomplete: "off" });
  cash.addEventListener("input", () => {
    const due = total();
    const got = Number(cash.value);
    change.textContent = cash.value && got >= due ? `找零 ¥${(got - due).toFixed(2)}` : "";
  });
  cash.addEventListener("keydown", (e) => { if (e.key === "Enter") pay("CASH", { cashReceived: cash.value }); });
  authCode.addEventListener("keydown", (e) => { if (e.key === "Enter") pay("ALIPAY_CODE", { authCode: authCode.value.trim() }); });
  section.append(
    el("div", { class: "sell" },
      el("div", { class: "left" },
        scan, results, keys,
        el("table", { class: "cart" },
          el("thead", {}, el("tr", {}, el("th", {}, "商品"), el("th", {}, "数量"), el("th", {}, "金额"), el("th", {}))),
          lines),
        el("p", { class: "total" }, "合计 ", totalBox)),
      el("div", { class: "right card" },
        memberPicker(),
        el("h2", {}, "收款"),
        el("label", {}, "现金 ", cash), change,
        el("button", { type: "button", id: "pay-cash", onclick: () => pay("CASH", { cashReceived: cash.value }) }, "现金收款"),
        el("label", {}, "付款码 ", authCode),
        el("button", { type: "button", id: "pay-code", onclick: () => pay("ALIPAY_CODE", { authCode: authCode.value.trim() }) }, "付款码收款"),
        el("button", { type: "button", id: "pay-qr", onclick: () => pay("ALIPAY_QR", {}) }, "顾客扫码付"),
        outcome)),
  );
  scan.addEventListener("keydown", onScanKey);
  // The scanner types into whatever has the focus: give it back to the scan box unless the
  // operator is typing into another field of the page.
  section.addEventListener("focusout", () => setTimeout(() => {
    if (!section.hidden && !(document.activeElement instanceof HTMLInputElement)) scan.focus();
  }, 0));
  bus.on("shown", (id) => { if (id === "sales") scan.focus(); });
  await loadQuickKeys(keys);
}

async function loadQuickKeys(box) {
  const data = await gql(`query($s: ID!) { counterQuickKeys(supermarket: $s) { position label item { ${ITEM} } } }`, { s: counter.supermarket.id });
  box.replaceChildren(...data.counterQuickKeys.map((key) =>
    el("button", { type: "button", class: "key", "data-position": key.position, onclick: () => add(key.item) }, key.label)));
}

async function onScanKey(event) {
  if (event.key !== "Enter") return;
  event.preventDefault();
  const text = scan.value.trim();
  scan.value = "";
  if (!text) return;
  const byCode = /^\d{8,14}$/.test(text);
  try {
    const data = await gql(
      `query($s: ID!, $b: String, $q: String) { counterProductLookup(supermarket: $s, barcode: $b, search: $q) { items { ${ITEM} } errors { code message } } }`,
      { s: counter.supermarket.id, b: byCode ? text : null, q: byCode ? null : text },
    );
    const found = data.counterProductLookup;
    if (found.errors.length) return say(found.errors[0].message, "error");
    if (byCode) return add(found.items[0]);
    results.replaceChildren(...found.items.map((item) =>
      el("li", {}, el("button", { type: "button", onclick: () => { add(item); results.replaceChildren(); } }, `${item.name} ${item.variantName} ${yuan(item.price)}`))));
    if (!found.items.length) say(`没有找到“${text}”`, "error");
  } catch (e) {
    say(e.message, "error");
  }
}

function add(item) {
  const line = cart.get(item.variantId) || { item, quantity: 0 };
  line.quantity += 1;
  cart.set(item.variantId, line);
  render();
  say(`已加入 ${item.name}`, "ok");
}

function total() {
  let sum = 0;
  for (const { item, quantity } of cart.values()) sum += Math.round(item.price.amount * 100) * quantity;
  return sum / 100;
}

function render() {
  lines.replaceChildren(...[...cart.values()].map(({ item, quantity }) => el("tr", { "data-barcode": item.barcode || "" },
    el("td", {}, `${item.name} ${item.variantName}`),
    el("td", {},
      el("button", { type: "button", class: "qty", onclick: () => bump(item.variantId, -1) }, "−"),
      el("span", { class: "quantity" }, quantity),
      el("button", { type: "button", class: "qty", onclick: () => bump(item.variantId, 1) }, "+")),
    el("td", {}, `¥${((Math.round(item.price.amount * 100) * quantity) / 100).toFixed(2)}`),
    el("td", {}, el("button", { type: "button", class: "remove", onclick: () => bump(item.variantId, -quantity) }, "删除")))));
  totalBox.textContent = `¥${total().toFixed(2)}`;
}

function bump(variantId, by) {
  const line = cart.get(variantId);
  line.quantity += by;
  if (line.quantity <= 0) cart.delete(variantId);
  render();
}

function say(text, tone) {
  outcome.replaceChildren(el("p", { class: tone }, text));
}

async function pay(method, extra) {
  if (!cart.size) return say("请先扫商品", "error");
  clearTimeout(pollTimer);
  // One id per submit: a retry after a dropped answer (or a reload) sends it again.
  const requestId = requestIdFor("sale");
  const input = {
    supermarket: counter.supermarket.id,
    requestId,
    lines: [...cart.values()].map(({ item, quantity }) => ({ variantId: item.variantId, quantity })),
    payment: { method, ...extra },
    member: member ? member.id : null,
  };
  say("正在收款…", "wait");
  let answer;
  try {
    const data = await gql(`mutation($input: CounterSaleCreateInput!) { counterSaleCreate(input: $input) { sale { ${SALE} } errors { field code message } } }`, { input });
    answer = data.counterSaleCreate;
  } catch (e) {
    // No answer: keep the request id, so pressing again is the same sale.
    return say(`${e.message}（再按一次收款不会重复扣款）`, "error");
  }
  requestAnswered("sale");
  if (!answer.sale) return say(answer.errors.map((err) => err.message).join("；"), "error");
  show(answer.sale, answer.errors);
}

function show(sale, errors = []) {
  if (sale.status === "PAID") {
    const parts = [el("p", { class: "ok", id: "paid" }, `收款成功 ${yuan(sale.total)}`)];
    if (sale.change) parts.push(el("p", { class: "change", id: "change-given" }, `实收 ${yuan(sale.cashReceived)}，找零 ${yuan(sale.change)}`));
    if (sale.member) parts.push(el("p", { id: "sale-member" }, `会员 ${memberLabel(sale.member)}`));
    if (sale.receipt) parts.push(el("p", {}, "回执 ", el("span", { id: "receipt-number" }, sale.receipt.number)));
    outcome.replaceChildren(...parts);
    cart.clear();
    pick(null);
    render();
    root.querySelector("#cash-received").value = "";
    root.querySelector("#auth-code").value = "";
    root.querySelector("#cash-change").textContent = "";
    bus.emit("sale", sale);
    return;
  }
  if (sale.status === "PENDING") {
    const parts = [el("p", { class: "wait", id: "waiting" }, sale.qrCode ? "请顾客用支付宝扫码" : "等待顾客在手机上输入密码…")];
    if (sale.qrCode) parts.push(el("img", { class: "qr", id: "qr", alt: sale.qrCode, src: `/counter/qr.svg?text=${encodeURIComponent(sale.qrCode)}` }));
    parts.push(el("button", { type: "button", id: "cancel-sale", onclick: () => cancel(sale) }, "撤销"));
    outcome.replaceChildren(...parts);
    pollTimer = setTimeout(() => poll(sale), POLL_MS);
    return;
  }
  const why = errors.map((err) => err.message).join("；") || sale.failureReason || "";
  say(`${sale.status === "CANCELLED" ? "已撤销" : "收款失败"}：${why}`, "error");
}

async function poll(sale) {
  try {
    const data = await gql(`mutation($id: ID!) { counterSalePoll(id: $id) { sale { ${SALE} } errors { message } } }`, { id: sale.id });
    show(data.counterSalePoll.sale || sale);
  } catch (e) {
    pollTimer = setTimeout(() => poll(sale), POLL_MS);
  }
}

async function cancel(sale) {
  clearTimeout(pollTimer);
  const data = await gql(`mutation($id: ID!) { counterSaleCancel(id: $id) { sale { ${SALE} } errors { message } } }`, { id: sale.id });
  const answer = data.counterSaleCancel;
  if (answer.errors.length) return say(answer.errors[0].message, "error");
  show(answer.sale);
}


// The member picker: the village's households found by reference, the phone's last four
// digits or the family name, shown as masked as the API gives them.
function memberPicker() {
  const search = el("input", { id: "member-search", autocomplete: "off", placeholder: "户号 / 手机尾号4位 / 姓" });
  const found = el("ul", { class: "results", id: "member-results" });
  memberBox = el("p", { id: "member-picked", class: "hint" }, "未选会员");
  const find = async () => {
    const data = await gql(
      `query($s: ID!, $q: String) { counterMembers(supermarket: $s, search: $q, first: 10) { edges { node { ${MEMBER} } } } }`,
      { s: counter.supermarket.id, q: search.value.trim() || null },
    );
    const households = data.counterMembers.edges.map(({ node }) => node);
    found.replaceChildren(...households.map((household) =>
      el("li", {}, el("button", { type: "button", class: "member", "data-reference": household.reference,
        onclick: () => { pick(household); found.replaceChildren(); search.value = ""; } }, memberLabel(household)))));
    if (!households.length) found.replaceChildren(el("li", { class: "error" }, "没有这户"));
  };
  search.addEventListener("keydown", (e) => { if (e.key === "Enter") { e.preventDefault(); find().catch((err) => say(err.message, "error")); } });
  return el("div", { class: "member-picker" },
    el("label", {}, "会员 ", search),
    el("button", { type: "button", id: "member-find", onclick: () => find().catch((err) => say(err.message, "error")) }, "查找"),
    found, memberBox,
    el("button", { type: "button", id: "member-clear", class: "remove", onclick: () => pick(null) }, "不选会员"));
}

function memberLabel(household) {
  return `${household.headName} ${household.phone} ${household.reference}`.trim();
}

function pick(household) {
  member = household;
  memberBox.textContent = household ? `已选会员 ${memberLabel(household)}` : "未选会员";
}
