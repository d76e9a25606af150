// Receipts: the latest ones, reprinted on 58 mm paper (the page the server renders, put in
// a frame and printed) or opened as a PDF.
import { bus, counter, el, fetchAuthorised, gql, yuan } from "./api.js";

let list, preview;

export async function mount(section) {
  list = el("tbody", { id: "receipt-list" });
  preview = el("iframe", { id: "receipt-preview", class: "preview", title: "回执预览" });
  section.append(el("div", { class: "receipts" },
    el("table", { class: "cart" },
      el("thead", {}, el("tr", {}, el("th", {}, "单号"), el("th", {}, "金额"), el("th", {}, "重打"), el("th", {}))),
      list),
    preview));
  bus.on("shown", (id) => { if (id === "receipts") refresh(); });
  bus.on("sale", () => refresh());
}

async function refresh() {
  const data = await gql(`query($s: ID!) { receipts(supermarket: $s, first: 20) { edges { node { number kind total { amount } reprintCount printUrl pdfUrl } } } }`, { s: counter.supermarket.id });
  list.replaceChildren(...data.receipts.edges.map(({ node }) => el("tr", { "data-number": node.number },
    el("td", {}, node.number),
    el("td", {}, yuan(node.total)),
    el("td", { class: "reprints" }, node.reprintCount),
    el("td", {},
      el("button", { type: "button", class: "reprint", onclick: () => reprint(node) }, "重打"),
      el("button", { type: "button", class: "pdf", onclick: () => pdf(node) }, "PDF")))));
}

async function reprint(receipt) {
  const response = await fetchAuthorised(`${receipt.printUrl}?reprint=1`);
  preview.srcdoc = await response.text();
  preview.addEventListener("load", () => {
    // Headless test browsers have no printer; a real tablet opens its print dialog.
    if (!navigator.webdriver) preview.contentWindow.print();
  }, { once: true });
  await refresh();
}

async function pdf(receipt) {
  const response = await fetchAuthorised(receipt.pdfUrl);
  const url = URL.createObjectURL(await response.blob());
  window.open(url, "_blank");
}
