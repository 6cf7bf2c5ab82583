// The hotline admin console. Plain JavaScript, no libraries: every view reads the JSON API under /admin/api with
// the session cookie; requests that change something carry X-Ivr-Console, which a page on another site cannot add.
"use strict";

(() => {
  const $ = (selector, root = document) => root.querySelector(selector);
  const SVG = "http://www.w3.org/2000/svg";
  const views = ["dashboard", "wall", "agents", "calls", "figures", "menu", "diagram", "versions", "callbacks", "contacts", "audit"];
  // What each role may open and do; the service checks the same on every request.
  const roles = {
    viewer: { views: ["dashboard"], editsMenu: false },
    supervisor: { views: ["dashboard", "wall", "agents", "calls", "figures", "menu", "diagram", "versions", "callbacks", "contacts"], editsMenu: false },
    admin: { views, editsMenu: true },
  };
  const state = { signedIn: false, role: roles.viewer, view: null, dashboardTimer: null, departments: [], timeZone: undefined };

  // ---- HTTP -------------------------------------------------------------------------------------------------------

  class ApiError extends Error {
    constructor(status, body) {
      super((body && (body.detail || body.title)) || `The service answered ${status}.`);
      this.status = status;
      this.body = body;
    }
  }

  async function request(method, path, body) {
    const headers = { Accept: "application/json" };
    if (method !== "GET") headers["X-Ivr-Console"] = "1";
    if (body !== undefined) headers["Content-Type"] = "application/json";
    const response = await fetch(path, {
      method, headers, credentials: "same-origin", body: body === undefined ? undefined : JSON.stringify(body),
    });
    const type = response.headers.get("Content-Type") || "";
    const data = type.includes("json") ? await response.json().catch(() => null) : await response.text();
    if (response.status === 401 && state.signedIn && !path.startsWith("/admin/login")) {
      showLogin("Your session has ended; sign in again.");
    }
    if (!response.ok) throw new ApiError(response.status, data);
    return data;
  }

  const api = {
    get: path => request("GET", path),
    post: (path, body) => request("POST", path, body),
    put: (path, body) => request("PUT", path, body),
  };

  // ---- Formatting -------------------------------------------------------------------------------------------------

  const dash = "–";
  function seconds(value) {
    if (value === null || value === undefined) return dash;
    const s = Math.round(value);
    if (s < 60) return `${s} s`;
    const m = Math.floor(s / 60);
    return `${m} min ${String(s % 60).padStart(2, "0")} s`;
  }
  const percent = value => (value === null || value === undefined ? dash : `${Math.round(value * 100)}%`);
  const signedSeconds = value => (value === null || value === undefined ? dash : `${value >= 0 ? "+" : "−"}${seconds(Math.abs(value))}`);
  // Times are the hotline's clock (its time zone comes with the session), wherever the browser is.
  const dateTime = value => (value ? new Date(value).toLocaleString(undefined, { timeZone: state.timeZone }) : dash);
  const time = value => (value ? new Date(value).toLocaleTimeString(undefined, { timeZone: state.timeZone }) : dash);

  function element(tag, attributes = {}, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes)) {
      if (value === null || value === undefined || value === false) continue;
      if (name === "class") node.className = value;
      else if (name === "text") node.textContent = value;
      else node.setAttribute(name, value === true ? "" : value);
    }
    for (const child of children) if (child !== null && child !== undefined) node.append(child);
    return node;
  }

  function svgElement(tag, attributes = {}, text) {
    const node = document.createElementNS(SVG, tag);
    for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
    if (text !== undefined) node.textContent = text;
    return node;
  }

  // ---- Session and navigation -------------------------------------------------------------------------------------

  async function start() {
    $("#login-form").addEventListener("submit", signIn);
    $("#logout").addEventListener("click", signOut);
    window.addEventListener("hashchange", () => show(currentView(), true));
    document.addEventListener("visibilitychange", scheduleDashboard);
    menuEditor.wire();
    versions.wire();
    callbacks.wire();
    calls.wire();
    figures.wire();
    contacts.wire();

    try {
      const session = await api.get("/admin/session");
      state.timeZone = session.timeZone || undefined;
      $("#loading").hidden = true;
      if (!session.configured) {
        $("#login").hidden = false;
        $("#login-form").hidden = true;
        $("#login-heading").textContent = "The admin console is closed: reload this page after setting Admin:Username and Admin:Password.";
      } else if (session.signedIn) {
        showConsole(session.username, session.role);
      } else {
        showLogin();
      }
    } catch (error) {
      $("#loading").textContent = `The console cannot reach the service: ${error.message}`;
    }
  }

  // A note is news (signed out, the session ended); errors are for a sign-in that failed.
  function showLogin(note) {
    state.signedIn = false;
    clearTimeout(state.dashboardTimer);
    for (const view of views) $(`#${view}`).hidden = true;
    $("#nav").hidden = true;
    $("#who").hidden = true;
    $("#login").hidden = false;
    $("#login-error").textContent = "";
    $("#login-note").textContent = note || "";
    $("#username").focus();
  }

  function showConsole(username, role) {
    state.signedIn = true;
    state.role = roles[role] || roles.viewer;
    $("#login").hidden = true;
    $("#nav").hidden = false;
    for (const link of document.querySelectorAll("#nav a"))
      link.parentElement.hidden = !state.role.views.includes(link.getAttribute("href").slice(1));
    $("#who").hidden = false;
    $("#who-name").textContent = role && role !== "admin" ? `${username} (${role})` : username || "";
    $("#menu-save").hidden = !state.role.editsMenu;
    $("#menu-note").hidden = !state.role.editsMenu;
    $("#menu-readonly").hidden = state.role.editsMenu;
    show(currentView(), false);
  }

  async function signIn(event) {
    event.preventDefault();
    const button = $("#login-submit");
    button.disabled = true;
    $("#login-error").textContent = "";
    $("#login-note").textContent = "";
    try {
      const session = await api.post("/admin/login", { username: $("#username").value, password: $("#password").value });
      $("#password").value = "";
      showConsole(session.username, session.role);
    } catch (error) {
      $("#login-error").textContent = error.status === 401 ? "Wrong user name or password." : error.message;
      $("#password").select();
    } finally {
      button.disabled = false;
    }
  }

  async function signOut() {
    try {
      await api.post("/admin/logout");
    } finally {
      showLogin("Signed out.");
    }
  }

  function currentView() {
    const name = location.hash.replace("#", "");
    return state.role.views.includes(name) ? name : "dashboard";
  }

  function show(view, moveFocus) {
    if (!state.signedIn) return;
    state.view = view;
    for (const name of views) $(`#${name}`).hidden = name !== view;
    for (const link of document.querySelectorAll("#nav a")) {
      if (link.getAttribute("href") === `#${view}`) link.setAttribute("aria-current", "page");
      else link.removeAttribute("aria-current");
    }
    if (moveFocus) $(`#${view}-heading`).focus();
    ({ dashboard: dashboard.load, wall: wall.load, agents: agents.load, calls: calls.load, figures: figures.load, menu: menuEditor.load, diagram: diagram.load, versions: versions.load, callbacks: callbacks.load, contacts: contacts.load, audit: audit.load })[view]();
    scheduleDashboard();
  }

  // The live views are read again every few seconds while they show.
  function scheduleDashboard() {
    clearTimeout(state.dashboardTimer);
    const live = { dashboard: [dashboard, 5000], wall: [wall, 3000], agents: [agents, 3000] }[state.view];
    if (state.signedIn && live && !document.hidden)
      state.dashboardTimer = setTimeout(() => live[0].load().finally(scheduleDashboard), live[1]);
  }

  // ---- Menu editor ------------------------------------------------------------------------------------------------

  const menuEditor = (() => {
    let loaded = null;        // what GET menu returned: the live version's text
    let problems = [];
    let validateTimer = null;
    let validation = 0;       // only the answer to the latest validation is shown

    const editor = () => $("#menu-editor");

    function wire() {
      editor().addEventListener("input", () => {
        renderGutter();
        clearTimeout(validateTimer);
        validateTimer = setTimeout(validate, 400);
        setStatus("Checking…", "");
      });
      editor().addEventListener("scroll", () => { $("#menu-gutter").scrollTop = editor().scrollTop; });
      $("#menu-save").addEventListener("click", save);
      $("#menu-discard").addEventListener("click", () => {
        if (loaded) {
          editor().value = loaded.content;
          problems = [];
          render();
          setStatus("Showing the live version.", "valid");
        }
      });
    }

    async function load() {
      try {
        const menu = await api.get("/admin/api/menu");
        const untouched = !loaded || editor().value === loaded.content;
        showLive(menu);
        if (untouched) {
          editor().value = menu.content;
          problems = [];
          render();
        }
      } catch (error) {
        if (error.status === 401) return;
        setStatus(error.message, "invalid");
      }
    }

    function showLive(menu) {
      loaded = menu;
      $("#menu-live-version").textContent = menu.version;
      $("#menu-live-since").textContent = menu.loadedAt ? `since ${dateTime(menu.loadedAt)}` : "";
      $("#menu-file").textContent = menu.file ? `Menu file ${menu.file}` : "Menu file";
      const rejected = $("#menu-rejected");
      rejected.hidden = !menu.rejectedReload;
      if (menu.rejectedReload) rejected.textContent = describeRejected(menu.rejectedReload);
    }

    function describeRejected(rejected) {
      const list = Array.isArray(rejected.problems) ? rejected.problems : [];
      const first = list.slice(0, 3).join("; ");
      const when = rejected.at ? ` at ${dateTime(rejected.at)}` : "";
      return `A change to the file on disk${when} was refused and is not live` +
        (list.length ? ` (${list.length} problem${list.length === 1 ? "" : "s"}: ${first}${list.length > 3 ? "; …" : ""}).` : ".");
    }

    async function validate() {
      const mine = ++validation;
      try {
        const result = await api.post("/admin/api/menu/validate", { content: editor().value });
        if (mine !== validation) return;
        problems = result.problems || [];
        render();
        const errors = problems.filter(p => p.severity !== "warning").length;
        if (errors > 0) setStatus(`${errors} error${errors === 1 ? "" : "s"}: this text cannot be saved.`, "invalid");
        else setStatus(problems.length ? "Valid, with warnings." : "Valid.", "valid");
      } catch (error) {
        if (mine === validation && error.status !== 401) setStatus(`Not checked: ${error.message}`, "invalid");
      }
    }

    async function save() {
      const button = $("#menu-save");
      button.disabled = true;
      clearTimeout(validateTimer);
      validation++;
      try {
        const result = await api.put("/admin/api/menu", { content: editor().value, note: $("#menu-note").value });
        $("#menu-note").value = "";
        problems = [];
        render();
        const menu = await api.get("/admin/api/menu");
        showLive(menu);
        editor().value = menu.content;
        renderGutter();
        setStatus(`Saved: version ${result.version} is live. New calls use it.`, "valid");
      } catch (error) {
        if (error.status === 422 && error.body && Array.isArray(error.body.problems)) {
          problems = error.body.problems;
          render();
          const errors = problems.filter(p => p.severity !== "warning").length;
          setStatus(`Not saved: ${errors} error${errors === 1 ? "" : "s"}. Version ${loaded ? loaded.version : ""} stays live.`, "invalid");
        } else if (error.status !== 401) {
          setStatus(`Not saved: ${error.message}`, "invalid");
        }
      } finally {
        button.disabled = false;
      }
    }

    function setStatus(text, kind) {
      const status = $("#menu-validation");
      status.textContent = text;
      status.className = kind;
    }

    function render() {
      renderGutter();
      renderProblems();
    }

    function problemsByLine() {
      const byLine = new Map();
      for (const problem of problems) {
        if (!byLine.has(problem.line)) byLine.set(problem.line, []);
        byLine.get(problem.line).push(problem);
      }
      return byLine;
    }

    function renderGutter() {
      const gutter = $("#menu-gutter");
      const lines = editor().value.split("\n").length;
      const byLine = problemsByLine();
      const rows = [];
      for (let line = 1; line <= lines; line++) {
        const here = byLine.get(line);
        const row = element("div", { "data-line": line, text: String(line) });
        if (here) {
          row.className = here.some(p => p.severity !== "warning") ? "error" : "warning";
          row.title = here.map(p => `${p.path}: ${p.message}`).join("\n");
        }
        rows.push(row);
      }
      gutter.replaceChildren(...rows);
      gutter.scrollTop = editor().scrollTop;
    }

    function renderProblems() {
      const items = problems.map(problem => {
        const warning = problem.severity === "warning";
        const button = element("button", { type: "button" },
          element("span", { class: "where", text: `${problem.line}:${problem.column}` }),
          element("span", { class: "path", text: problem.path }),
          element("span", { text: `${warning ? "warning: " : ""}${problem.message}` }));
        button.addEventListener("click", () => goTo(problem.line, problem.column));
        return element("li", { class: warning ? "warning" : "error" }, button);
      });
      $("#menu-problems").replaceChildren(...items);
    }

    // Puts the cursor at a problem and scrolls its line into view.
    function goTo(line, column) {
      const text = editor().value;
      let offset = 0;
      for (let l = 1; l < line; l++) {
        const next = text.indexOf("\n", offset);
        if (next < 0) break;
        offset = next + 1;
      }
      const end = text.indexOf("\n", offset);
      const position = Math.min(offset + Math.max(column - 1, 0), end < 0 ? text.length : end);
      editor().focus();
      editor().setSelectionRange(position, position);
      const lineHeight = parseFloat(getComputedStyle(editor()).lineHeight) || 20;
      editor().scrollTop = Math.max(0, (line - 5) * lineHeight);
    }

    return { wire, load };
  })();

  // ---- Diagram ----------------------------------------------------------------------------------------------------

  const diagram = {
    async load() {
      $("#diagram-error").textContent = "";
      try {
        const svg = await api.get("/admin/api/menu/diagram");
        const canvas = $("#diagram-canvas");
        canvas.innerHTML = svg; // drawn by the service, every text escaped there
        const items = [...canvas.querySelectorAll("g.edge")].map(edge => {
          const label = edge.getAttribute("data-label");
          const text = edge.querySelector("title").textContent;
          return element("li", { text: label ? `${text} (${label})` : text });
        });
        $("#diagram-list").replaceChildren(...items);
      } catch (error) {
        if (error.status !== 401) $("#diagram-error").textContent = `The diagram cannot be drawn: ${error.message}`;
      }
    },
  };

  // ---- Versions ---------------------------------------------------------------------------------------------------

  const versions = (() => {
    let list = [];

    function wire() {
      $("#diff-form").addEventListener("submit", event => {
        event.preventDefault();
        showDiff($("#diff-from").value, $("#diff-to").value);
      });
    }

    function message(text) {
      $("#versions-message").textContent = text;
    }

    async function load() {
      try {
        list = await api.get("/admin/api/menu/versions");
        message("");
        render();
      } catch (error) {
        if (error.status === 401) return;
        message(error.message);
      }
    }

    function label(v) {
      return `${v.version} (${dateTime(v.loadedAt)})${v.live ? ", live" : ""}`;
    }

    function render() {
      const rows = list.map(v => {
        const actions = element("td", { class: "actions-cell" });
        if (!v.live && state.role.editsMenu) {
          const rollback = element("button", { type: "button", class: "danger", text: "Roll back to this version" });
          rollback.addEventListener("click", () => rollBack(v));
          actions.append(rollback);
        }
        const live = v.live ? element("span", { class: "badge", text: "live" }) : null;
        return element("tr", { "data-id": v.id },
          element("td", {}, element("code", { text: v.version }), " ", live),
          element("td", { text: dateTime(v.loadedAt) }),
          element("td", { text: v.source || "" }),
          element("td", { text: v.author || dash }),
          element("td", { text: v.note || "" }),
          actions);
      });
      $("#versions-table tbody").replaceChildren(...rows);

      const options = () => list.map(v => element("option", { value: v.id, text: label(v) }));
      const from = $("#diff-from"), to = $("#diff-to");
      const keep = [from.value, to.value];
      from.replaceChildren(...options());
      to.replaceChildren(...options());
      const liveIndex = Math.max(0, list.findIndex(v => v.live));
      to.value = keep[1] && list.some(v => String(v.id) === keep[1]) ? keep[1] : (list[liveIndex] ? list[liveIndex].id : "");
      from.value = keep[0] && list.some(v => String(v.id) === keep[0]) ? keep[0] : (list[liveIndex + 1] || list[liveIndex] || {}).id || "";
    }

    async function rollBack(v) {
      const note = prompt(`Make version ${v.version} from ${dateTime(v.loadedAt)} live again? New calls will use it; calls in progress keep theirs.\n\nWhy (optional, for the history):`, "");
      if (note === null) return;
      try {
        const result = await api.post(`/admin/api/menu/versions/${encodeURIComponent(v.id)}/rollback`, { note });
        await load();
        message(`Version ${result.version} is live again.`);
      } catch (error) {
        if (error.status !== 401) message(`Not rolled back: ${error.message}`);
      }
    }

    async function showDiff(from, to) {
      const output = $("#diff-output");
      try {
        const diff = await api.get(`/admin/api/menu/diff?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`);
        const sign = { added: "+", removed: "−", context: " " };
        const rows = diff.lines.map(line => element("tr", { class: line.kind },
          element("td", { class: "number", text: line.oldLine ?? "" }),
          element("td", { class: "number", text: line.newLine ?? "" }),
          element("td", { class: "sign", text: sign[line.kind] || " ", "aria-label": line.kind === "context" ? null : line.kind }),
          element("td", { text: line.text })));
        const changed = diff.lines.filter(l => l.kind !== "context").length;
        const caption = element("caption", { text: changed ? `${changed} changed line${changed === 1 ? "" : "s"}` : "The two versions are the same." });
        const head = element("thead", { class: "visually-hidden" }, element("tr", {},
          element("th", { scope: "col", text: "Old line" }), element("th", { scope: "col", text: "New line" }),
          element("th", { scope: "col", text: "Change" }), element("th", { scope: "col", text: "Text" })));
        output.replaceChildren(element("table", { class: "diff" }, caption, head, element("tbody", {}, ...rows)));
      } catch (error) {
        if (error.status !== 401) output.replaceChildren(element("p", { class: "error", text: `No differences shown: ${error.message}` }));
      }
    }

    return { wire, load };
  })();

  // ---- Dashboard --------------------------------------------------------------------------------------------------

  const dashboard = {
    async load() {
      try {
        const view = await api.get("/admin/api/dashboard");
        state.departments = view.departments.map(d => d.department);
        callbacks.departmentsKnown();
        for (const id of ["#calls-department", "#figures-department"]) {
          const select = $(id);
          if (select.options.length === 1) select.append(...state.departments.map(d => element("option", { value: d, text: d })));
        }
        $("#dashboard-error").textContent = "";
        $("#dashboard-updated").textContent =
          `Today since midnight (${view.timeZone}); updated ${time(view.at)}, every 5 seconds.`;
        $("#dashboard-departments").replaceChildren(...view.departments.map(d => departmentCard(d, view.serviceLevelSeconds)));
        $("#dashboard-alerts").replaceChildren(...(view.alerts || []).map(a =>
          element("li", { "data-department": a.department, "data-kind": a.kind, text: a.message })));
        renderCare(view.care, Object.fromEntries(view.departments.map(d => [d.department, d.title])));
      } catch (error) {
        if (error.status !== 401) $("#dashboard-error").textContent = `The figures cannot be read: ${error.message}`;
      }
    },
  };

  function figureList(className, label, entries) {
    return element("dl", { class: `figures ${className}`, "aria-label": label },
      ...entries.map(([name, key, value]) => element("div", {}, element("dt", { text: name }), element("dd", { "data-figure": key, text: value }))));
  }

  function departmentCard(d, slaSeconds) {
    const headingId = `department-${d.department}`;
    const within = d.answered > 0 ? ` (${percent(d.serviceLevel)})` : "";
    // How good the wait announcements were: the share of callers answered within what they were promised, and
    // how far the estimates were off on average (+ means callers waited less than announced).
    const accuracy = d.answeredWithinPromise === null
      ? dash
      : `${percent(d.answeredWithinPromise)} kept, ${signedSeconds(d.announcementMeanErrorSeconds)}`;
    return element("article", { class: "department", "data-department": d.department, "aria-labelledby": headingId },
      element("h3", { id: headingId }, d.department, element("small", { text: d.title })),
      figureList("live", "Now", [
        ["Waiting now", "waiting", String(d.waitingNow)],
        ["Longest wait", "longest-wait", d.waitingNow > 0 ? seconds(d.longestWaitSeconds) : dash],
        ["Agents on duty", "on-duty", String(d.agentsOnDuty)],
        ["Agents on a call", "busy", String(d.agentsBusy)],
        ["Agents in wrap-up", "wrap-up", String(d.agentsInWrapUp)],
      ]),
      figureList("today", "Today", [
        ["Calls today", "calls", String(d.calls)],
        ["Answered", "answered", String(d.answered)],
        [`Answered within ${slaSeconds} s`, "within-sla", `${d.answeredWithinServiceLevel}${within}`],
        ["Average wait", "average-wait", seconds(d.averageWaitSeconds)],
        ["Abandoned", "abandoned", `${d.abandoned}${d.abandonmentRate === null ? "" : ` (${percent(d.abandonmentRate)})`}`],
        ["Lost (ended unheard)", "lost", String(d.lost)],
        ["Handle time", "handle-time", seconds(d.averageHandleSeconds)],
        ["Callbacks booked", "callbacks-booked", String(d.callbacks.booked)],
        ["Callbacks connected", "callbacks-connected", String(d.callbacks.connected)],
        ["Callbacks failed", "callbacks-failed", String(d.callbacks.failed)],
        ["Wait announcements", "announcements", String(d.announcements)],
        ["Announcement accuracy", "announcement-accuracy", accuracy],
      ]),
      chart("Calls per hour today", d.callsPerHour.map(h => ({ label: h.hour.slice(0, 2), title: h.hour, value: h.calls })),
        { unit: ["call", "calls"], labelEvery: 3 }),
      chart("Wait before an answer, answered calls today", d.waitDistribution.map((b, i) => ({ label: b.label, title: b.label, value: b.answered, good: i === 0 })),
        { unit: ["answered", "answered"], labelEvery: 1 }));
  }

  // A bar chart as inline SVG: one bar per value with its own tooltip, the largest value written at the top.
  // unit is [singular, plural].
  function chart(caption, bars, { unit, labelEvery }) {
    const width = 360, height = 150, left = 26, bottom = 20, top = 12;
    const max = Math.max(1, ...bars.map(b => b.value));
    const slot = (width - left) / Math.max(bars.length, 1);
    const total = bars.reduce((sum, b) => sum + b.value, 0);
    const busiest = bars.reduce((best, b) => (b.value > best.value ? b : best), { value: -1 });
    const summary = total === 0 ? `${caption}: none yet` : `${caption}: ${total} ${total === 1 ? unit[0] : unit[1]}, most in ${busiest.title} (${busiest.value})`;
    const svg = svgElement("svg", { viewBox: `0 0 ${width} ${height}`, role: "img", "aria-label": summary });
    const plot = height - bottom - top;
    svg.append(
      svgElement("line", { class: "chart-axis", x1: left, y1: height - bottom, x2: width, y2: height - bottom }),
      svgElement("text", { class: "chart-label", x: left - 4, y: top + 4, "text-anchor": "end" }, String(max)),
      svgElement("text", { class: "chart-label", x: left - 4, y: height - bottom, "text-anchor": "end" }, "0"));
    bars.forEach((bar, i) => {
      const h = (bar.value / max) * plot;
      const x = left + i * slot + slot * 0.15;
      const rect = svgElement("rect", {
        class: `chart-bar${bar.good ? " within" : ""}`, x, y: height - bottom - h, width: slot * 0.7, height: Math.max(h, 0),
      });
      rect.append(svgElement("title", {}, `${bar.title}: ${bar.value} ${bar.value === 1 ? unit[0] : unit[1]}`));
      svg.append(rect);
      if (bar.value > 0 && slot >= 30)
        svg.append(svgElement("text", { class: "chart-value", x: x + slot * 0.35, y: height - bottom - h - 3, "text-anchor": "middle" }, String(bar.value)));
      if (i % labelEvery === 0)
        svg.append(svgElement("text", { class: "chart-label", x: left + i * slot + slot / 2, y: height - 6, "text-anchor": "middle" }, bar.label));
    });
    return element("figure", {}, element("figcaption", { text: caption }), svg);
  }

  // ---- Callbacks --------------------------------------------------------------------------------------------------

  const callbacks = (() => {
    const statuses = ["pending", "dialing", "answered", "connected", "failed", "canceled"];
    const cancelable = new Set(["pending"]);

    function wire() {
      $("#callbacks-status").addEventListener("change", load);
      $("#callbacks-department").addEventListener("change", load);
    }

    function departmentsKnown() {
      const select = $("#callbacks-department");
      if (select.options.length > 1 || state.departments.length === 0) return;
      select.append(...state.departments.map(d => element("option", { value: d, text: d })));
    }

    function message(text) {
      $("#callbacks-message").textContent = text;
    }

    async function load() {
      if (state.departments.length === 0) await dashboard.load();
      const query = new URLSearchParams();
      if ($("#callbacks-status").value) query.set("status", $("#callbacks-status").value);
      if ($("#callbacks-department").value) query.set("department", $("#callbacks-department").value);
      try {
        const list = await api.get(`/admin/api/callbacks?${query}`);
        const status = $("#callbacks-status").value;
        message(list.length ? "" : `No ${status ? `${status} ` : ""}callbacks${$("#callbacks-department").value ? ` for ${$("#callbacks-department").value}` : ""}.`);
        render(list);
      } catch (error) {
        if (error.status === 401) return;
        $("#callbacks-tables").replaceChildren();
        message(`The callbacks cannot be read: ${error.message}`);
      }
    }

    // One table per status, in the order a callback goes through them.
    function render(list) {
      const groups = statuses
        .map(status => [status, list.filter(c => c.status === status)])
        .concat([["other", list.filter(c => !statuses.includes(c.status))]])
        .filter(([, items]) => items.length > 0);
      $("#callbacks-tables").replaceChildren(...groups.map(([status, items]) => {
        const rows = items.map(c => {
          const actions = element("td", { class: "actions-cell" });
          if (cancelable.has(c.status)) {
            const cancel = element("button", { type: "button", class: "danger", text: "Cancel", "aria-label": `Cancel callback ${c.reference}` });
            cancel.addEventListener("click", () => cancelCallback(c));
            actions.append(cancel);
          }
          return element("tr", { "data-reference": c.reference },
            element("td", {}, element("code", { text: c.reference })),
            element("td", { text: c.department }),
            element("td", { text: c.number }),
            element("td", { text: dateTime(c.requestedAt) }),
            element("td", { text: dateTime(c.dueAt) }),
            element("td", { text: dateTime(c.expectedAt) }),
            element("td", { text: String(c.attempts ?? 0) }),
            element("td", { text: c.lastResult || dash }),
            element("td", { text: dateTime(c.connectedAt) }),
            actions);
        });
        const head = element("tr", {}, ...["Reference", "Department", "Number", "Requested", "Due", "Expected", "Attempts", "Last result", "Connected"]
          .map(name => element("th", { scope: "col", text: name })), element("th", { scope: "col" }, element("span", { class: "visually-hidden", text: "Actions" })));
        const table = element("table", { "data-status": status },
          element("caption", { text: `${status} (${items.length})` }), element("thead", {}, head), element("tbody", {}, ...rows));
        return element("div", { class: "scroll", tabindex: "0", role: "region", "aria-label": `${status} callbacks` }, table);
      }));
    }

    async function cancelCallback(c) {
      if (!confirm(`Cancel the callback ${c.reference} to ${c.number}? The customer will not be called.`)) return;
      try {
        await api.post(`/admin/api/callbacks/${encodeURIComponent(c.reference)}/cancel`);
        await load();
        message(`Callback ${c.reference} is canceled.`);
      } catch (error) {
        if (error.status !== 401) message(`Not canceled: ${error.message}`);
      }
    }

    return { wire, load, departmentsKnown };
  })();

  // ---- Queue wall -------------------------------------------------------------------------------------------------

  const wall = {
    async load() {
      try {
        const view = await api.get("/admin/api/wall");
        $("#wall-error").textContent = "";
        $("#wall-updated").textContent = `Live; updated ${time(view.at)}, every 3 seconds.`;
        $("#wall-departments").replaceChildren(...view.departments.map(wallCard));
      } catch (error) {
        if (error.status !== 401) $("#wall-error").textContent = `The queues cannot be read: ${error.message}`;
      }
    },
  };

  function wallCard(d) {
    const headingId = `wall-${d.department}`;
    const line = d.waiting.length === 0
      ? element("p", { class: "muted", text: "Nobody is waiting." })
      : element("table", { class: "waiting" },
        element("caption", { text: "Waiting now, first in line first" }),
        element("thead", {}, element("tr", {}, ...["Place", "Waiting", "Language", "Callback"].map(h => element("th", { scope: "col", text: h })))),
        element("tbody", {}, ...d.waiting.map(w => element("tr", {},
          element("td", { text: String(w.place) }), element("td", { text: seconds(w.waitSeconds) }),
          element("td", { text: w.language }), element("td", { text: w.callback ? "booked" : "" })))));
    return element("article", { class: "department", "data-department": d.department, "aria-labelledby": headingId },
      element("h3", { id: headingId }, d.department, element("small", { text: d.title })),
      figureList("live", "Now", [
        ["Waiting now", "waiting", String(d.waiting.length)],
        ["Longest wait", "longest-wait", d.waiting.length > 0 ? seconds(d.longestWaitSeconds) : dash],
        ["Agents free", "free", String(d.agentsFree)],
        ["Ringing", "ringing", String(d.agentsRinging)],
        ["Talking", "talking", String(d.agentsTalking)],
        ["Wrap-up", "wrap-up", String(d.agentsInWrapUp)],
        ["Away", "away", String(d.agentsAway)],
        ["Callbacks due", "callbacks-due", String(d.callbacksDue)],
        ["Service level today", "service-level", percent(d.serviceLevel)],
      ]),
      line);
  }

  // ---- Agent board ------------------------------------------------------------------------------------------------

  const agents = (() => {
    const names = { available: "available", ringing: "ringing", talking: "talking", "wrap-up": "wrap-up", away: "away", missed: "missed a call", closed: "closed" };

    function details(a) {
      const since = a.secondsInState === null || a.secondsInState === undefined ? "" : ` for ${seconds(a.secondsInState)}`;
      if (a.state === "talking") return `with ${a.with || "a caller"}${since}`;
      if (a.state === "ringing") return `offered ${a.with || "a call"}${since}`;
      if (a.state === "wrap-up") return `${seconds(a.secondsLeft)} left`;
      if (a.state === "missed") return `back in ${seconds(a.secondsLeft)}`;
      if (a.state === "closed") return "the department is closed";
      return "";
    }

    async function setStatus(agent, status, button) {
      button.disabled = true;
      try {
        await api.put(`/admin/api/agents/${encodeURIComponent(agent.id)}/status`, { status });
        $("#agents-message").textContent = `${agent.name} is now ${status}.`;
        await load();
      } catch (error) {
        if (error.status !== 401) $("#agents-message").textContent = `Not changed: ${error.message}`;
        button.disabled = false;
      }
    }

    async function load() {
      try {
        const list = await api.get("/admin/api/agents");
        $("#agents-updated").textContent = `Live; updated ${time(new Date())}, every 3 seconds.`;
        $("#agents-table tbody").replaceChildren(...list.map(a => {
          const away = a.status === "away";
          const button = element("button", { type: "button", text: away ? `Set ${a.name} available` : `Set ${a.name} away` });
          button.addEventListener("click", () => setStatus(a, away ? "available" : "away", button));
          return element("tr", { "data-agent": a.id },
            element("td", { text: a.name }),
            element("td", { text: a.department }),
            element("td", {}, element("span", { class: `state ${a.state}`, "data-state": a.state, text: names[a.state] || a.state })),
            element("td", { text: details(a) }),
            element("td", { class: "actions-cell" }, button));
        }));
      } catch (error) {
        if (error.status !== 401) $("#agents-message").textContent = `The agents cannot be read: ${error.message}`;
      }
    }

    return { load };
  })();

  // ---- Call search ------------------------------------------------------------------------------------------------

  const calls = (() => {
    function query() {
      const q = new URLSearchParams();
      for (const [key, id] of [["number", "#calls-number"], ["from", "#calls-from"], ["to", "#calls-to"], ["department", "#calls-department"], ["outcome", "#calls-outcome"]]) {
        const value = $(id).value.trim();
        if (value) q.set(key, value);
      }
      return q.toString();
    }

    function wire() {
      $("#calls-filter").addEventListener("submit", event => { event.preventDefault(); load(); });
      $("#calls-filter").addEventListener("input", () => { $("#calls-export").href = `/admin/api/calls.csv?${query()}`; });
    }

    async function showPath(call) {
      try {
        const steps = await api.get(`/admin/api/calls/${encodeURIComponent(call.callSid)}`);
        $("#call-path").hidden = false;
        $("#call-path-heading").textContent = `Path of the call from ${call.caller || "an unknown number"} at ${dateTime(call.startedAt)}`;
        $("#call-path-steps").replaceChildren(...steps.map(s => element("li", {},
          element("span", { class: "kind", text: `${time(s.at)} ${s.kind}` }), s.what)));
        $("#call-path-heading").focus();
      } catch (error) {
        if (error.status !== 401) $("#calls-message").textContent = `The path cannot be read: ${error.message}`;
      }
    }

    async function load() {
      if (state.departments.length === 0) await dashboard.load();
      const q = query();
      $("#calls-export").href = `/admin/api/calls.csv?${q}`;
      try {
        const found = await api.get(`/admin/api/calls?${q}`);
        $("#calls-message").textContent = found.calls.length === 0 ? "No call matches this search."
          : `${found.calls.length} call${found.calls.length === 1 ? "" : "s"}${found.truncated ? " (the newest only: narrow the search)" : ""}.`;
        $("#calls-table tbody").replaceChildren(...found.calls.map(c => {
          const button = element("button", { type: "button", text: "Path" });
          button.addEventListener("click", () => showPath(c));
          return element("tr", { "data-call": c.callSid },
            element("td", { text: dateTime(c.startedAt) }), element("td", { text: c.caller || "" }),
            element("td", { text: c.department || "" }), element("td", { "data-outcome": c.outcome, text: c.outcome }),
            element("td", { text: seconds(c.waitSeconds) }), element("td", { text: c.talkSeconds === null ? dash : seconds(c.talkSeconds) }),
            element("td", { text: c.agent || "" }), element("td", {}, button));
        }));
      } catch (error) {
        if (error.status !== 401) $("#calls-message").textContent = `Not searched: ${error.message}`;
      }
    }

    return { wire, load };
  })();

  // ---- Figures over time ------------------------------------------------------------------------------------------

  const figures = (() => {
    function query() {
      const q = new URLSearchParams();
      const range = $("#figures-range").value;
      if (range === "custom") {
        q.set("from", $("#figures-from").value);
        q.set("to", $("#figures-to").value);
      } else q.set("range", range);
      if ($("#figures-by").value) q.set("by", $("#figures-by").value);
      if ($("#figures-department").value) q.set("department", $("#figures-department").value);
      return q.toString();
    }

    function wire() {
      $("#figures-filter").addEventListener("submit", event => { event.preventDefault(); load(); });
      $("#figures-range").addEventListener("change", () => {
        $("#figures-custom").hidden = $("#figures-range").value !== "custom";
        if ($("#figures-range").value !== "custom") load();
      });
    }

    const row = (r, header) => element("tr", {},
      element(header ? "th" : "td", header ? { scope: "row", text: "Total" } : { text: r.period }),
      element("td", { "data-figure": "offered", text: String(r.offered) }),
      element("td", { "data-figure": "answered", text: String(r.answered) }),
      element("td", { "data-figure": "abandoned", text: String(r.abandoned) }),
      element("td", { "data-figure": "average-wait", text: seconds(r.averageWaitSeconds) }),
      element("td", { "data-figure": "service-level", text: percent(r.serviceLevel) }));

    async function load() {
      if (state.departments.length === 0) await dashboard.load();
      const q = query();
      $("#figures-export").href = `/admin/api/figures.csv?${q}`;
      try {
        const view = await api.get(`/admin/api/figures?${q}`);
        $("#figures-message").textContent = "";
        $("#figures-caption").textContent = `Per ${view.by}, ${view.rows[0] ? view.rows[0].period : ""} to ${view.rows.length ? view.rows[view.rows.length - 1].period : ""} ` +
          `(${view.timeZone}); service level: answered within ${view.serviceLevelSeconds} s of the calls that ended`;
        const perHour = view.by === "hour";
        $("#figures-chart").replaceChildren(chart(`Calls offered per ${view.by}`,
          view.rows.map(r => ({ label: perHour ? r.period.slice(11, 13) : r.period.slice(8, 10), title: r.period, value: r.offered })),
          { unit: ["call", "calls"], labelEvery: Math.max(1, Math.ceil(view.rows.length / 12)) }));
        $("#figures-table tbody").replaceChildren(...view.rows.map(r => row(r, false)));
        $("#figures-table tfoot").replaceChildren(row(view.total, true));
      } catch (error) {
        if (error.status === 400 && error.body && error.body.errors)
          $("#figures-message").textContent = Object.values(error.body.errors).flat().join(" ");
        else if (error.status !== 401) $("#figures-message").textContent = `The figures cannot be read: ${error.message}`;
      }
    }
    return { wire, load };
  })();

  // ---- Customer care figures (on the dashboard) -------------------------------------------------------------------

  const nps = value => (value === null || value === undefined ? dash : `${value > 0 ? "+" : ""}${Math.round(value)}`);

  function renderCare(care, titles) {
    const section = $("#care");
    if (!care) { section.hidden = true; return; }
    section.hidden = false;
    $("#care-window").textContent = `The last ${care.windowDays} days. Resolved first time: no other call from the number to the department within ${care.repeatDays} days. ` +
      `Self-service: ${care.selfService} of ${care.calls} calls (${percent(care.selfServiceShare)}) ended after a look-up without an agent.`;
    $("#care-departments").replaceChildren(...care.departments.map(d => {
      const headingId = `care-${d.key}`;
      return element("article", { class: "department", "data-care-department": d.key, "aria-labelledby": headingId },
        element("h4", { id: headingId }, d.key, element("small", { text: titles[d.key] || "" })),
        figureList("care", "What callers thought", [
          ["CSAT (4–5)", "csat", `${percent(d.csat)} of ${d.csatAnswers}`],
          ["NPS", "nps", `${nps(d.nps)} of ${d.npsAnswers}`],
          ["Resolved first time", "fcr", percent(d.firstContactResolution)],
          ["Said resolved", "resolved", `${percent(d.resolvedYes)} of ${d.resolvedAnswers}`],
          ["Repeat calls", "repeat", percent(d.repeatCallRate)],
          ["Calls", "care-calls", String(d.calls)],
        ]),
        shareBars(`CSAT, NPS and resolution, ${d.key}`, [
          ["CSAT", d.csat], ["Resolved first time", d.firstContactResolution], ["Said resolved", d.resolvedYes],
          ["Repeat calls", d.repeatCallRate],
        ]));
    }));
    $("#care-agents tbody").replaceChildren(...care.agents.map(a => element("tr", { "data-agent": a.key },
      element("th", { scope: "row", text: a.name }),
      element("td", { text: String(a.conversations) }),
      element("td", { text: `${percent(a.csat)} (${a.csatAnswers})` }),
      element("td", { text: `${nps(a.nps)} (${a.npsAnswers})` }),
      element("td", { text: percent(a.firstContactResolution) }),
      element("td", { text: `${percent(a.resolvedYes)} (${a.resolvedAnswers})` }),
      element("td", { text: percent(a.repeatCallRate) }))));
  }

  // Shares as horizontal bars from 0 to 100%: quicker to compare at a glance than the numbers above.
  function shareBars(label, shares) {
    const width = 360, row = 20, left = 130;
    const svg = svgElement("svg", { viewBox: `0 0 ${width} ${shares.length * row + 4}`, role: "img",
      "aria-label": `${label}: ${shares.map(([name, value]) => `${name} ${percent(value)}`).join(", ")}` });
    shares.forEach(([name, value], i) => {
      const y = i * row + 2;
      svg.append(svgElement("text", { class: "chart-label", x: left - 6, y: y + 13, "text-anchor": "end" }, name));
      svg.append(svgElement("rect", { class: "chart-track", x: left, y: y + 3, width: width - left - 40, height: row - 8 }));
      if (value !== null && value !== undefined)
        svg.append(svgElement("rect", { class: "chart-bar", x: left, y: y + 3, width: (width - left - 40) * value, height: row - 8 }));
      svg.append(svgElement("text", { class: "chart-value", x: width - 36, y: y + 13 }, percent(value)));
    });
    return element("figure", {}, svg);
  }

  // ---- Contacts ---------------------------------------------------------------------------------------------------

  const contacts = (() => {
    const outcomes = {
      answered: "talked to an agent", abandoned: "hung up while waiting", callback: "asked for a callback",
      lost: "cut off", menu: "ended in the menu", ongoing: "on the line now",
    };
    const questions = { csat: "Satisfaction (1–5)", nps: "Would recommend (0–10)", resolved: "Resolved" };
    const lookupOutcomes = { found: "Status read", not_found: "Order not found", unavailable: "Shop unavailable" };

    function wire() {
      $("#contacts-form").addEventListener("submit", event => {
        event.preventDefault();
        const number = $("#contacts-number").value.replace(/[\s().-]/g, "");
        if (location.hash !== `#contacts`) location.hash = "contacts";
        search(number);
      });
    }

    function message(text, error) {
      const node = $("#contacts-message");
      node.textContent = text;
      node.className = error ? "error" : "";
    }

    async function load() {
      const number = $("#contacts-number").value.trim();
      if (number) await search(number.replace(/[\s().-]/g, ""));
      else message("Search a number to read its contacts.");
    }

    async function search(number) {
      $("#contacts-timeline").replaceChildren();
      message("Loading…");
      try {
        const view = await api.get(`/admin/api/contacts/${encodeURIComponent(number)}`);
        message(view.contacts.length === 0 ? `No contacts from ${view.number}.`
          : `${view.number}: ${view.contacts.length} contact${view.contacts.length === 1 ? "" : "s"}, ${view.contactsLastSevenDays} in the last 7 days.`);
        $("#contacts-timeline").replaceChildren(...view.contacts.map(item));
      } catch (error) {
        if (error.status !== 401) message(error.status === 400 ? error.message : `The history cannot be read: ${error.message}`, true);
      }
    }

    function item(c) {
      const details = [];
      if (c.kind === "call") {
        if (c.department) details.push(["Department", c.department]);
        if (c.waitSeconds !== null) details.push(["Waited", seconds(c.waitSeconds)]);
        if (c.agent) details.push(["Agent", c.agent]);
        if (c.talkSeconds !== null) details.push(["Talked", seconds(c.talkSeconds)]);
        details.push(["Outcome", outcomes[c.outcome] || c.outcome]);
        if (c.menuPath.length) details.push(["Menu path", c.menuPath.join(" → ")]);
      } else if (c.kind === "callback") {
        details.push(["Department", c.department], ["Reference", c.reference || dash], ["Status", c.outcome]);
        if (c.agent) details.push(["Agent", c.agent]);
      } else if (c.kind === "survey") {
        details.push(["Department", c.department]);
        if (c.agent) details.push(["Agent", c.agent]);
        // In the order the survey asks them.
        const asked = Object.entries(c.answers).sort(([a], [b]) => Object.keys(questions).indexOf(a) - Object.keys(questions).indexOf(b));
        for (const [question, answer] of asked)
          details.push([questions[question] || question, question === "resolved" ? (answer ? "yes" : "no") : String(answer)]);
      } else if (c.kind === "lookup") {
        details.push(["Order", c.orderNumber || dash], ["Outcome", lookupOutcomes[c.outcome] || c.outcome]);
      } else {
        details.push(["Outcome", c.outcome]);
      }
      const title = { call: "Call", callback: "Callback", survey: "Survey", lookup: "Look-up" }[c.kind] || c.kind;
      return element("li", { class: `contact ${c.kind}`, "data-kind": c.kind },
        element("h3", {}, element("span", { class: "kind", text: title }), " ", element("time", { datetime: c.at, text: dateTime(c.at) })),
        element("dl", { class: "contact-details" },
          ...details.map(([name, value]) => element("div", {}, element("dt", { text: name }), element("dd", { text: value })))));
    }

    return { wire, load };
  })();

  // ---- Audit ------------------------------------------------------------------------------------------------------

  const audit = {
    async load() {
      try {
        const entries = await api.get("/admin/api/audit");
        $("#audit-message").textContent = entries.length ? "" : "Nothing has been done yet.";
        $("#audit-table tbody").replaceChildren(...entries.map(e => element("tr", {},
          element("td", { text: dateTime(e.at) }),
          element("td", { text: e.actor }),
          element("td", { text: e.action }),
          element("td", { text: e.subject || "" }),
          element("td", { text: e.detail || "" }))));
      } catch (error) {
        if (error.status !== 401) $("#audit-message").textContent = `The audit log cannot be read: ${error.message}`;
      }
    },
  };

  start();
})();
