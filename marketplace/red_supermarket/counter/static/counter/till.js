// The till: open a shift with a float, close it with the cash counted, see the variance.
import { bus, counter, el, gql, requestAnswered, yuan } from "./api.js";

const SHIFT = "id status openedAt floatAmount { amount } expected { amount } counted { amount } variance { amount }";
let box;
// What is on screen: a shift id, "none", or undefined before the first answer. A refresh
// that finds the same state leaves the form alone, so it never wipes what is being typed.
let shown;

export async function mount(section) {
  box = el("div", { class: "card till", id: "till" });
  section.append(box);
  bus.on("shown", (id) => { if (id === "till") refresh(); });
  await refresh();
}

async function refresh(message) {
  const data = await gql(`query { redSupermarkets(first: 10) { edges { node { id openTillShift { ${SHIFT} } } } } }`);
  const mine = data.redSupermarkets.edges.find((edge) => edge.node.id === counter.supermarket.id);
  const shift = mine?.node.openTillShift;
  if (!message && shown === (shift ? shift.id : "none")) return;
  render(shift, message);
}

function render(shift, message) {
  shown = shift ? shift.id : "none";
  const note = message || el("span");
  if (!shift) {
    const amount = el("input", { id: "float-amount", inputmode: "decimal", value: "200.00" });
    box.replaceChildren(
      el("h2", {}, "钱箱未开"),
      el("label", {}, "备用金 ", amount),
      el("button", { type: "button", id: "till-open", onclick: () => open(amount.value) }, "开钱箱"),
      note);
    return;
  }
  const counted = el("input", { id: "counted-amount", inputmode: "decimal", placeholder: "清点现金" });
  box.replaceChildren(
    el("h2", { id: "till-state" }, "钱箱已开"),
    el("p", {}, `备用金 ${yuan(shift.floatAmount)}，开于 ${new Date(shift.openedAt).toLocaleTimeString("zh-CN")}`),
    el("label", {}, "清点现金 ", counted),
    el("button", { type: "button", id: "till-close", onclick: () => close(shift, counted.value) }, "交班结账"),
    note);
}

async function open(amount) {
  const data = await gql(`mutation($s: ID!, $a: String!) { tillShiftOpen(supermarket: $s, floatAmount: $a) { shift { ${SHIFT} } errors { message } } }`, { s: counter.supermarket.id, a: amount });
  const answer = data.tillShiftOpen;
  if (answer.errors.length) return refresh(el("p", { class: "error" }, answer.errors[0].message));
  render(answer.shift, el("p", { class: "ok" }, "钱箱已开"));
}

async function close(shift, counted) {
  const data = await gql(`mutation($id: ID!, $c: String!) { tillShiftClose(id: $id, countedAmount: $c) { shift { ${SHIFT} } errors { message } } }`, { id: shift.id, c: counted });
  const answer = data.tillShiftClose;
  if (answer.errors.length) return refresh(el("p", { class: "error" }, answer.errors[0].message));
  const closed = answer.shift;
  const v = Number(closed.variance.amount);
  const summary = el("div", { class: "summary", id: "till-summary" },
    el("p", {}, `应有现金 ${yuan(closed.expected)}`),
    el("p", {}, `清点现金 ${yuan(closed.counted)}`),
    el("p", { id: "till-variance", class: v === 0 ? "ok" : "error" }, `差额 ${v > 0 ? "+" : ""}${v.toFixed(2)}（${v === 0 ? "账实相符" : v < 0 ? "短款" : "长款"}）`));
  requestAnswered("till");
  render(null, summary);
  bus.emit("till-closed", closed);
}
