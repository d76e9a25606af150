// Tickets (车票 / 火车票 / 机票): search the provider's trips for a route and day, hold a
// seat for a passenger, issue the ticket once the villager has paid, refund it within the
// provider's rules, and see the supermarket's recent bookings. The hold is submitted with a
// request id kept until the server answers, so a retried press books one seat, not two.
import { bus, counter, el, gql, requestAnswered, requestIdFor, yuan } from "./api.js";

const BOOKING = `id requestId status origin destination departureAt seatClass passengerName
  price { amount } fee { amount } bookingNo ticketNo refundFee { amount } refundAmount { amount }
  item { code name }`;
const MODES = [["ticket-bus", "汽车票"], ["ticket-train", "火车票"], ["ticket-air", "机票"]];
const STATUS_TEXT = {
  HELD: "已占座，收款后出票", ISSUED: "已出票", REFUNDED: "已退票", CANCELLED: "已取消（占座过期）",
};

let trips, booking, bookings, outcome, passengerName, passengerId, mode;

const dateText = (iso) => new Date(iso).toLocaleString("zh-CN", { month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit" });

function tomorrow() {
  const day = new Date(Date.now() + 86_400_000);
  return `${day.getFullYear()}-${String(day.getMonth() + 1).padStart(2, "0")}-${String(day.getDate()).padStart(2, "0")}`;
}

export async function mount(section) {
  mode = el("select", { id: "ticket-mode" }, MODES.map(([code, label]) => el("option", { value: code }, label)));
  const origin = el("input", { id: "ticket-origin", autocomplete: "off", placeholder: "出发地" });
  const destination = el("input", { id: "ticket-destination", autocomplete: "off", placeholder: "目的地" });
  const day = el("input", { id: "ticket-date", type: "date", value: tomorrow() });
  passengerName = el("input", { id: "ticket-passenger-name", autocomplete: "off", placeholder: "乘客姓名" });
  passengerId = el("input", { id: "ticket-passenger-id", autocomplete: "off", placeholder: "身份证号" });
  const search = el("form", { class: "card", id: "ticket-search" },
    el("h2", {}, "查票订票"),
    el("label", {}, "类别 ", mode), el("label", {}, "出发地 ", origin),
    el("label", {}, "目的地 ", destination), el("label", {}, "日期 ", day),
    el("label", {}, "乘客姓名 ", passengerName), el("label", {}, "身份证号 ", passengerId),
    el("button", { type: "submit", id: "ticket-search-submit" }, "查询车次"));
  search.onsubmit = async (event) => {
    event.preventDefault();
    await run(async () => {
      const data = await gql(
        `query($s: ID!, $item: String!, $o: String!, $d: String!, $day: Date!) {
          ticketSearch(supermarket: $s, item: $item, origin: $o, destination: $d, date: $day) {
            tripId origin destination departureAt seatClass seatsLeft price { amount } fee { amount } } }`,
        { s: counter.supermarket.id, item: mode.value, o: origin.value.trim(), d: destination.value.trim(), day: day.value },
      );
      showTrips(data.ticketSearch);
    });
  };
  trips = el("tbody", { id: "ticket-trips" });
  booking = el("div", { id: "ticket-booking-card" });
  outcome = el("div", { class: "outcome", id: "ticket-outcome", role: "status" });
  bookings = el("tbody", { id: "ticket-bookings" });
  section.append(el("div", { class: "tickets" },
    search,
    el("table", { class: "cart" },
      el("thead", {}, el("tr", {}, el("th", {}, "车次"), el("th", {}, "出发"), el("th", {}, "座位"), el("th", {}, "票价"), el("th", {}, ""))),
      trips),
    booking, outcome,
    el("h2", {}, "本店近期票务"),
    el("table", { class: "cart" },
      el("thead", {}, el("tr", {}, el("th", {}, "订单号"), el("th", {}, "行程"), el("th", {}, "乘客"), el("th", {}, "状态"))),
      bookings)));
  bus.on("shown", (id) => { if (id === "tickets") refreshBookings().catch(() => {}); });
  await refreshBookings();
}

function showTrips(found) {
  if (!found.length) return say("没有车次 / no trips on that day", "wait");
  outcome.replaceChildren();
  trips.replaceChildren(...found.map((trip) => el("tr", { "data-trip": trip.tripId },
    el("td", {}, `${trip.tripId} ${trip.origin}→${trip.destination}`),
    el("td", {}, dateText(trip.departureAt)),
    el("td", {}, `${trip.seatClass} 余${trip.seatsLeft}`),
    el("td", {}, `${yuan(trip.price)} + 手续费 ${yuan(trip.fee)}`),
    el("td", {}, el("button", { type: "button", class: "ticket-book", onclick: () => book(trip) }, "订票")))));
}

async function book(trip) {
  const key = `ticket-book:${trip.tripId}`;
  await run(async () => {
    const data = await gql(
      `mutation($input: TicketBookInput!) { ticketBook(input: $input) { ticketBooking { ${BOOKING} } errors { field code message } } }`,
      { input: { supermarket: counter.supermarket.id, requestId: requestIdFor(key), item: mode.value, tripId: trip.tripId,
        passengerName: passengerName.value.trim(), passengerIdNumber: passengerId.value.trim() } },
    );
    requestAnswered(key);
    show(data.ticketBook);
  });
}

async function act(mutation, id) {
  await run(async () => {
    const data = await gql(
      `mutation($id: ID!) { ${mutation}(id: $id) { ticketBooking { ${BOOKING} } errors { field code message } } }`, { id });
    show(data[mutation]);
    if (mutation === "ticketIssue" || mutation === "ticketRefund") bus.emit("cash-moved");
  });
}

function show(answer) {
  if (answer.errors.length) return say(answer.errors.map((e) => e.message).join("；"), "error", answer.errors[0].code);
  const b = answer.ticketBooking;
  outcome.replaceChildren();
  booking.replaceChildren(el("div", { class: "card", id: "ticket-booking", "data-status": b.status },
    el("h3", {}, `${b.item.name} ${b.origin}→${b.destination}`),
    el("p", {}, `${dateText(b.departureAt)} ${b.seatClass} 乘客 ${b.passengerName}`),
    el("p", {}, `订单号 `, el("span", { id: "ticket-booking-no" }, b.bookingNo)),
    el("p", { id: "ticket-status", class: b.status === "ISSUED" ? "ok" : "wait" }, STATUS_TEXT[b.status] || b.status),
    b.ticketNo ? el("p", {}, "票号 ", el("span", { id: "ticket-no" }, b.ticketNo)) : el("span"),
    el("p", { class: "total" }, `应收 ${yuan({ amount: Number(b.price.amount) + Number(b.fee.amount) })}`),
    b.status === "REFUNDED" ? el("p", { id: "ticket-refund-amount" }, `退还 ${yuan(b.refundAmount)}（退票费 ${yuan(b.refundFee)}）`) : el("span"),
    b.status === "HELD" ? el("button", { type: "button", id: "ticket-issue", onclick: () => act("ticketIssue", b.id) }, "已收款，出票") : el("span"),
    b.status === "ISSUED" ? el("button", { type: "button", id: "ticket-refund", onclick: () => act("ticketRefund", b.id) }, "退票") : el("span")));
  refreshBookings().catch(() => {});
}

async function refreshBookings() {
  const data = await gql(
    `query($s: ID!) { ticketBookings(supermarket: $s, first: 20) { edges { node { ${BOOKING} } } } }`,
    { s: counter.supermarket.id },
  );
  bookings.replaceChildren(...data.ticketBookings.edges.map(({ node }) => el("tr", { "data-booking": node.bookingNo, "data-status": node.status },
    el("td", {}, node.bookingNo),
    el("td", {}, `${node.origin}→${node.destination} ${dateText(node.departureAt)}`),
    el("td", {}, node.passengerName),
    el("td", {}, STATUS_TEXT[node.status] || node.status))));
}

async function run(step) {
  try {
    await step();
  } catch (e) {
    say(`${e.message}（可再按一次，不会重复订票）`, "error", e.code);
  }
}

function say(text, tone, code) {
  outcome.replaceChildren(el("p", { class: tone, id: "ticket-message", "data-code": code || "" }, text));
}
