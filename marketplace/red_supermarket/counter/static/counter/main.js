// Login, the supermarket the operator works at, and the tab bar built from the panel list
// the server renders (one ES module per panel, each exporting `mount(section)`).
import { ApiError, bus, counter, el, gql, session } from "./api.js";

const panels = JSON.parse(document.getElementById("counter-panels").textContent);
const login = document.getElementById("login");
const app = document.getElementById("app");

async function start() {
  const data = await gql(`{ redSupermarkets(first: 10) { edges { node { id name stationId village { name } } } } }`);
  const first = data.redSupermarkets.edges[0];
  if (!first) throw new ApiError("这个账号不是红色超市收银员 / not an operator here", "NONE");
  counter.supermarket = first.node;
  document.getElementById("where").textContent = `${first.node.name}`;
  document.getElementById("logout").hidden = false;
  login.hidden = true;
  app.hidden = false;
  const tabs = document.getElementById("tabs");
  tabs.replaceChildren();
  for (const panel of panels) {
    const section = document.getElementById(`panel-${panel.id}`);
    const module = await import(`./${panel.module}`);
    await module.mount(section);
    tabs.append(el("button", { type: "button", role: "tab", "data-panel": panel.id, onclick: () => show(panel.id) }, panel.title));
  }
  // The operator may have picked a tab while later panels were still loading: keep it.
  if (!document.querySelector("#tabs button[aria-selected=true]")) show(panels[0].id);
}

// A panel sends the operator to another one (a parcel item picked among the agency
// services opens the parcels panel), optionally focusing one of its fields.
bus.on("open-panel", ({ id, focus }) => {
  show(id);
  if (focus) document.querySelector(focus)?.focus();
});

function show(id) {
  for (const panel of panels) {
    document.getElementById(`panel-${panel.id}`).hidden = panel.id !== id;
  }
  for (const tab of document.querySelectorAll("#tabs button")) {
    tab.setAttribute("aria-selected", String(tab.dataset.panel === id));
  }
  bus.emit("shown", id);
}

login.addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = new FormData(login);
  const error = document.getElementById("login-error");
  error.textContent = "";
  try {
    const data = await gql(
      `mutation($email: String!, $password: String!) { tokenCreate(email: $email, password: $password) { token errors { message } } }`,
      { email: form.get("email"), password: form.get("password") },
    );
    if (!data.tokenCreate.token) throw new ApiError(data.tokenCreate.errors[0]?.message || "登录失败", "LOGIN");
    session.token = data.tokenCreate.token;
    await start();
  } catch (e) {
    session.token = null;
    error.textContent = e.message;
  }
});

document.getElementById("logout").addEventListener("click", () => {
  session.token = null;
  location.reload();
});

if (session.token) start().catch(() => { session.token = null; });
