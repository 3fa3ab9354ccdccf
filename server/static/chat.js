// Web chat page: renders the conversation (WhatsApp markup via DOM nodes, never innerHTML), tool cards,
// system notices with retry, a character counter, and restores this browser's thread on load.
(() => {
  "use strict";
  const $ = (id) => document.getElementById(id);
  const messages = $("messages"), form = $("composer"), input = $("text"), send = $("send");
  const toggle = $("show-tools"), count = $("count"), hint = $("hint");
  const maxChars = parseInt(document.body.dataset.maxChars, 10) || 4096;
  const fmt = new Intl.NumberFormat("es-MX");
  let busy = false;

  // ---- WhatsApp formatting: *bold*, _italic_, ~strike~, ```mono``` (markers must hug the text, as in WhatsApp)
  const W = "[\\p{L}\\p{N}_]";
  const span = (c) => {
    const m = c === "*" ? "\\*" : c;  // in a /u regex only syntax characters may be escaped
    return `(?<!${W}|${m})${m}(\\S(?:[\\s\\S]*?\\S)?)${m}(?!${W}|${m})`;
  };
  const MARKUP = "```([\\s\\S]+?)```|" + ["*", "_", "~"].map(span).join("|");
  const TAGS = [null, "code", "strong", "em", "del"];

  function formatInto(parent, text) {
    const re = new RegExp(MARKUP, "gu");
    let pos = 0, m;
    while ((m = re.exec(text)) !== null) {
      parent.appendChild(document.createTextNode(text.slice(pos, m.index)));
      const group = m.findIndex((g, i) => i > 0 && g !== undefined);
      const el = document.createElement(TAGS[group]);
      if (group === 1) el.textContent = m[group]; else formatInto(el, m[group]);
      parent.appendChild(el);
      pos = m.index + m[0].length;
    }
    parent.appendChild(document.createTextNode(text.slice(pos)));
  }

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function scroll() { messages.scrollTop = messages.scrollHeight; }

  function bubble(kind, text) {
    const div = el("div", "msg " + kind);
    formatInto(div, text);
    messages.appendChild(div);
    scroll();
    return div;
  }

  function notice(text, {error = false, retry = null} = {}) {
    const div = el("div", "notice" + (error ? " error" : ""), text);
    div.setAttribute("role", error ? "alert" : "status");
    if (retry) {
      const button = el("button", "retry", "Reintentar");
      button.type = "button";
      button.addEventListener("click", () => { div.remove(); retry(); });
      div.appendChild(button);
    }
    messages.appendChild(div);
    scroll();
    return div;
  }

  // ---- tool cards: any tool renders generically; known tools get a one-line summary
  const money = (v) => "$" + Number(v).toLocaleString("es-MX", {minimumFractionDigits: 0, maximumFractionDigits: 2});
  const SUMMARIES = {
    search_inventory: (o) => `${o.total ?? (o.results || []).length} resultado(s)`,
    calculate_financing: (o) => o.monthly_payment ? `${money(o.monthly_payment)}/mes · ${o.term_months} meses` : null,
    schedule_visit: (o) => o.visit_id !== undefined ? `visita ${o.visit_id} · ${o.status || ""}` : null,
    normalize_brand: (o) => o.make ? [o.make, o.model].filter(Boolean).join(" ") + ` (${o.method || "?"})` : "marca desconocida",
  };
  const ROW_COLUMNS = ["make", "model", "year", "km", "price"];

  function summary(call) {
    const out = call.output;
    if (out === null || out === undefined) return "sin resultado";
    if (typeof out !== "object") return String(out).slice(0, 60);
    if (out.error) return "error: " + String(out.error).slice(0, 80);
    const known = SUMMARIES[call.name] && SUMMARIES[call.name](out);
    if (known) return known;
    for (const value of Object.values(out)) if (Array.isArray(value)) return `${value.length} elemento(s)`;
    return Object.keys(out).slice(0, 4).join(", ");
  }

  function scalar(v) { return v === null || ["string", "number", "boolean"].includes(typeof v); }
  function show(key, v) {
    if (typeof v === "number" && /price|payment|amount/.test(key)) return money(v);
    if (typeof v === "number" && key === "km") return fmt.format(v);
    return typeof v === "object" && v !== null ? JSON.stringify(v) : String(v);
  }

  function rowsTable(rows) {
    const objects = rows.filter((r) => r && typeof r === "object");
    if (!objects.length) return null;
    const first = objects[0];
    let cols = ROW_COLUMNS.filter((c) => c in first);
    if (cols.length < 2) cols = Object.keys(first).filter((k) => scalar(first[k])).slice(0, 5);
    const table = el("table", "rows");
    const head = table.insertRow();
    for (const c of cols) head.appendChild(el("th", "", c));
    for (const r of objects.slice(0, 3)) {
      const tr = table.insertRow();
      for (const c of cols) tr.insertCell().textContent = r[c] === undefined ? "" : show(c, r[c]);
    }
    return table;
  }

  function toolCard(call) {
    const card = el("div", "card");
    card.dataset.tool = call.name;
    const head = el("div", "card-head");
    head.append(el("span", "card-name", call.name), el("span", "card-summary", summary(call)));
    card.appendChild(head);
    const args = el("div", "args");
    for (const [k, v] of Object.entries(call.args || {})) {
      if (v === null || v === undefined) continue;
      const chip = el("span", "arg");
      chip.append(el("b", "", k + ": "), document.createTextNode(show(k, v)));
      args.appendChild(chip);
    }
    if (args.childElementCount) card.appendChild(args);
    const out = call.output;
    const list = out && typeof out === "object" && Object.values(out).find(Array.isArray);
    const table = list && list.length ? rowsTable(list) : null;
    if (table) card.appendChild(table);
    const raw = el("details", "raw");
    raw.append(el("summary", "", "JSON completo"), el("pre", "", JSON.stringify(call, null, 2)));
    card.appendChild(raw);
    return card;
  }

  function tools(div, turn) {
    const box = el("div", "tools");
    if (turn.route && turn.route.length) box.appendChild(el("div", "route", "ruta: " + turn.route.join(" → ")));
    const calls = turn.tool_calls || [];
    for (const call of calls) box.appendChild(toolCard(call));
    if (!calls.length) box.appendChild(el("div", "route", "(sin herramientas en este turno)"));
    div.appendChild(box);
  }

  // ---- composer: counter and limit instead of silent truncation
  function updateCount() {
    const n = input.value.length;
    const over = n > maxChars;
    count.textContent = `${fmt.format(n)} / ${fmt.format(maxChars)}`;
    count.classList.toggle("over", over);
    input.classList.toggle("over", over);
    hint.textContent = over ? `Máximo ${fmt.format(maxChars)} caracteres: acorta el mensaje.` : "";
    send.disabled = busy || over || !input.value.trim();
    input.style.height = "auto";
    input.style.height = Math.min(input.scrollHeight + 2, 140) + "px";
  }

  async function post(text) {
    busy = true;
    updateCount();
    const typing = bubble("agent typing", "escribiendo…");
    const retry = () => post(text);
    try {
      const response = await fetch("/chat/api/messages", {
        method: "POST", headers: {"Content-Type": "application/json"}, credentials: "same-origin",
        body: JSON.stringify({text}),
      });
      let body = {};
      try { body = await response.json(); } catch (_) { /* not JSON: a proxy error page */ }
      typing.remove();
      if (response.status === 401) {
        notice("La conversación expiró en este navegador. Recarga la página.", {error: true, retry: () => location.reload()});
      } else if (response.status === 429) {
        const wait = response.headers.get("Retry-After");
        notice(`Demasiados mensajes seguidos${wait ? `; espera ${wait} s` : ""}.`, {error: true, retry});
      } else if (!response.ok) {
        const detail = typeof body.detail === "string" ? body.detail : `error ${response.status}`;
        notice(`El servidor no pudo responder (${detail}).`, {error: true, retry: response.status >= 500 ? retry : null});
      } else {
        tools(bubble("agent", body.reply), body);
        if (body.error) notice("Hubo un problema al procesar el mensaje; puedes intentarlo de nuevo.", {error: true, retry});
      }
    } catch (err) {
      typing.remove();
      notice("Sin conexión con el servidor.", {error: true, retry});
    } finally {
      busy = false;
      updateCount();
    }
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const text = input.value.trim();
    if (!text || busy || text.length > maxChars) return;
    input.value = "";
    updateCount();
    bubble("user", text);
    post(text);
  });
  input.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) { event.preventDefault(); form.requestSubmit(); }
  });
  input.addEventListener("input", updateCount);

  toggle.checked = localStorage.getItem("kavak-show-tools") === "1";
  document.body.classList.toggle("show-tools", toggle.checked);
  toggle.addEventListener("change", () => {
    document.body.classList.toggle("show-tools", toggle.checked);
    localStorage.setItem("kavak-show-tools", toggle.checked ? "1" : "0");
  });

  $("new-chat").addEventListener("click", async () => {
    try {
      const response = await fetch("/chat/api/threads", {method: "POST", credentials: "same-origin"});
      if (!response.ok) throw new Error(String(response.status));
      messages.replaceChildren();
      notice("Nueva conversación.");
    } catch (err) {
      notice("No se pudo empezar otra conversación.", {error: true});
    }
    input.focus();
  });

  async function restore() {
    try {
      const response = await fetch("/chat/api/history", {credentials: "same-origin"});
      if (!response.ok) throw new Error(String(response.status));
      const body = await response.json();
      for (const m of body.messages) {
        const div = bubble(m.role === "user" ? "user" : "agent", m.text);
        if (m.role !== "user") tools(div, m);
      }
      if (!body.messages.length) notice("Hola 👋 Escribe para empezar: marca, presupuesto o tipo de auto.");
    } catch (err) {
      notice("No se pudo cargar la conversación.", {error: true, retry: restore});
    }
  }

  updateCount();
  restore();
})();
