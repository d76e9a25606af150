// Parcels at the station the supermarket hosts: log one in (the villager gets a pickup code
// by SMS), hand it over against that code, see what waits on the shelf, and send one out
// for a villager (the fee goes into the till, with a receipt; a retried submit is the
// same dispatch and takes the fee once).
import { bus, counter, el, forgetRequestIfRetyped, gql, requestAnswered, requestUuidFor, yuan } from "./api.js";

const PARCEL = "id carrier waybill status recipientPhone recipientName shelfSlot arrivedAt pickupLocked pickupFailedAttempts";

let shelf, outcome;

export async function mount(section) {
  if (!counter.supermarket.stationId) {
    section.append(el("p", { class: "hint" }, "本店没有代收点 / this supermarket hosts no station"));
    return;
  }
  const carrier = el("input", { id: "parcel-carrier", value: "zhongtong", autocomplete: "off" });
  const waybill = el("input", { id: "parcel-waybill", autocomplete: "off", placeholder: "运单号" });
  const phone = el("input", { id: "parcel-phone", inputmode: "tel", autocomplete: "off", placeholder: "收件人手机" });
  const slot = el("input", { id: "parcel-slot", autocomplete: "off", placeholder: "货架位 A-01" });
  const logIn = el("form", { class: "card", id: "parcel-login" },
    el("h2", {}, "快递入库"),
    el("label", {}, "快递公司 ", carrier), el("label", {}, "运单号 ", waybill),
    el("label", {}, "手机 ", phone), el("label", {}, "货架 ", slot),
    el("button", { type: "submit", id: "parcel-login-submit" }, "入库并发取件码"));
  logIn.onsubmit = async (event) => {
    event.preventDefault();
    const data = await gql(
      `mutation($s: ID!, $c: String!, $w: String!, $p: String!, $slot: String) {
        stationParcelLogIn(stationId: $s, carrier: $c, waybill: $w, recipientPhone: $p, shelfSlot: $slot) {
          loggedParcel { ${PARCEL} } errors { field code message } } }`,
      { s: counter.supermarket.stationId, c: carrier.value.trim(), w: waybill.value.trim(), p: phone.value.trim(), slot: slot.value.trim() || null },
    );
    const answer = data.stationParcelLogIn;
    if (answer.errors.length) return say(answer.errors.map((e) => e.message).join("；"), "error");
    say(`已入库 ${answer.loggedParcel.waybill}，取件码已发送`, "ok");
    waybill.value = ""; phone.value = ""; slot.value = "";
    await refresh();
  };
  shelf = el("tbody", { id: "parcel-shelf" });
  outcome = el("div", { class: "outcome", id: "parcel-outcome", role: "status" });
  section.append(el("div", { class: "parcels" }, logIn, outcome,
    el("table", { class: "cart" },
      el("thead", {}, el("tr", {}, el("th", {}, "运单"), el("th", {}, "收件人"), el("th", {}, "货架"), el("th", {}, "取件码"))),
      shelf),
    dispatchForm()));
  await refresh();
}

async function refresh() {
  const data = await gql(
    `query($s: ID!) { stationLoggedParcels(stationId: $s, status: AT_STATION, first: 50) { edges { node { ${PARCEL} } } } }`,
    { s: counter.supermarket.stationId },
  );
  shelf.replaceChildren(...data.stationLoggedParcels.edges.map(({ node }) => {
    const code = el("input", { class: "pickup-code", inputmode: "numeric", maxlength: "6", autocomplete: "off", disabled: node.pickupLocked });
    return el("tr", { "data-waybill": node.waybill },
      el("td", {}, `${node.carrier} ${node.waybill}`),
      el("td", {}, `${node.recipientName || ""} ${node.recipientPhone}`),
      el("td", {}, node.shelfSlot || ""),
      el("td", {}, code,
        el("button", { type: "button", class: "hand-over", disabled: node.pickupLocked, onclick: () => handOver(node, code.value.trim()) },
          node.pickupLocked ? "已锁定" : "交付")));
  }));
}

async function handOver(parcel, code) {
  const data = await gql(
    `mutation($id: ID!, $code: String!) { stationParcelHandOver(id: $id, pickupCode: $code) { loggedParcel { ${PARCEL} handedOverAt } errors { code message } } }`,
    { id: parcel.id, code },
  );
  const answer = data.stationParcelHandOver;
  if (answer.errors.length) return say(answer.errors.map((e) => e.message).join("；"), "error");
  say(`已交付 ${parcel.waybill}`, "ok");
  await refresh();
}

function say(text, tone) {
  outcome.replaceChildren(el("p", { class: tone, id: "parcel-message" }, text));
}

function dispatchForm() {
  const carrier = el("input", { id: "dispatch-carrier", value: "zhongtong", autocomplete: "off" });
  const waybill = el("input", { id: "dispatch-waybill", autocomplete: "off", placeholder: "运单号" });
  const phone = el("input", { id: "dispatch-phone", inputmode: "tel", autocomplete: "off", placeholder: "寄件人手机" });
  const weight = el("input", { id: "dispatch-weight", inputmode: "numeric", autocomplete: "off", placeholder: "克" });
  const destination = el("input", { id: "dispatch-destination", autocomplete: "off", maxlength: "128", placeholder: "省市县乡村" });
  const fee = el("input", { id: "dispatch-fee", inputmode: "decimal", autocomplete: "off", placeholder: "运费 ¥" });
  const box = el("div", { class: "outcome", id: "dispatch-outcome", role: "status" });
  const node = el("form", { class: "card", id: "parcel-dispatch" },
    el("h2", {}, "快递寄件"),
    el("label", {}, "快递公司 ", carrier), el("label", {}, "运单号 ", waybill),
    el("label", {}, "寄件人手机 ", phone), el("label", {}, "寄往 ", destination),
    el("label", {}, "重量（克） ", weight),
    el("label", {}, "运费（现金） ", fee),
    el("button", { type: "submit", id: "dispatch-submit" }, "收费并寄出"), box);
  node.onsubmit = async (event) => {
    event.preventDefault();
    const key = "parcel-dispatch";
    const values = { c: carrier.value.trim(), w: waybill.value.trim(), p: phone.value.trim(), g: Number(weight.value), f: fee.value.trim() || "0", d: destination.value.trim() };
    forgetRequestIfRetyped(key, values);
    const show = (tone, message, ...more) => box.replaceChildren(el("p", { class: tone, id: "dispatch-message" }, message), ...more);
    if (!Number.isInteger(values.g) || values.g <= 0) return show("error", "重量按克填整数");
    let answer;
    try {
      const data = await gql(
        `mutation($s: ID!, $r: UUID!, $c: String!, $w: String!, $p: String!, $g: Int!, $f: Decimal!, $d: String) {
          stationParcelDispatch(stationId: $s, requestId: $r, carrier: $c, waybill: $w, senderPhone: $p, weightGrams: $g, fee: $f, destination: $d) {
            dispatch { id carrier waybill destination fee { amount } } receipt { number } errors { field code message } } }`,
        { s: counter.supermarket.stationId, r: requestUuidFor(key), ...values },
      );
      answer = data.stationParcelDispatch;
    } catch (e) {
      // No answer: the request id stays, so pressing again is the same dispatch.
      return show("error", `${e.message}（可再按一次，不会重复收费）`);
    }
    requestAnswered(key);
    if (answer.errors.length) return show("error", answer.errors.map((e) => e.message).join("；"));
    const { dispatch, receipt } = answer;
    show("ok", [`已寄出 ${dispatch.carrier} `, el("span", { id: "dispatch-waybill-out" }, dispatch.waybill)],
      dispatch.destination ? el("p", {}, "寄往 ", el("span", { id: "dispatch-destination-out" }, dispatch.destination)) : el("span"),
      el("p", {}, `收运费 ${yuan(dispatch.fee)}`),
      receipt ? el("p", {}, "回执 ", el("span", { id: "dispatch-receipt" }, receipt.number)) : el("span"));
    waybill.value = ""; phone.value = ""; destination.value = ""; weight.value = ""; fee.value = "";
    if (receipt) bus.emit("sale", { receipt });
    bus.emit("cash-moved");
  };
  return node;
}
