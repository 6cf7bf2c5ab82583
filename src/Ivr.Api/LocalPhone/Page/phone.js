// The browser phone: opens a line for the number typed, follows the line's events (a long poll), speaks what the
// hotline says, and sends keys and words. The service's /phone/api/lines endpoints do the rest.
'use strict';

(() => {
  const byId = (id) => document.getElementById(id);
  const number = byId('number');
  const status = byId('status');
  const problem = byId('problem');
  const callButton = byId('call');
  const answerButton = byId('answer');
  const hangupButton = byId('hangup');
  const speakForm = byId('speak');
  const speech = byId('speech');
  const sayButton = byId('say');
  const transcript = byId('transcript');
  const keys = [...document.querySelectorAll('button[data-key]')];

  const statusText = {
    idle: 'Ready',
    ringing: 'Ringing…',
    incoming: 'Incoming call',
    menu: 'In the menu',
    queue: 'Waiting in the queue',
    connecting: 'Calling an agent…',
    agent: 'Talking to an agent',
    ended: 'Call ended',
  };
  const onCall = ['ringing', 'menu', 'queue', 'connecting', 'agent'];

  let line = null;        // { id, number, typed }
  let opening = null;     // the line being opened, while it is
  let next = 0;           // the last event seen
  let state = 'idle';
  let yourTurn = false;   // the menu is listening
  let opened = 0;         // counts lines opened, so that the poll of an old line stops

  // Speech: a headless or older browser has no voices; the transcript still shows every prompt.
  const voices = 'speechSynthesis' in window && typeof window.SpeechSynthesisUtterance === 'function';

  function speak(text, language) {
    if (!voices) return;
    try {
      const utterance = new SpeechSynthesisUtterance(text);
      utterance.lang = language;
      const all = window.speechSynthesis.getVoices();
      const voice = all.find((v) => v.lang === language) ||
        all.find((v) => v.lang.slice(0, 2) === language.slice(0, 2));
      if (voice) utterance.voice = voice;
      window.speechSynthesis.speak(utterance);
    } catch {
      // No voice for this language: reading the transcript will do.
    }
  }

  function silence() {
    if (voices) window.speechSynthesis.cancel();
  }

  function render() {
    const inCall = onCall.includes(state);
    status.dataset.state = state;
    status.textContent = statusText[state] + (yourTurn && state === 'menu' ? ' — your turn' : '');
    // Not disabled while a line opens: a click then waits for it (typing a number and clicking Call opens one).
    callButton.disabled = inCall || state === 'incoming';
    answerButton.hidden = state !== 'incoming';
    hangupButton.disabled = !(inCall || state === 'incoming');
    for (const key of keys) key.disabled = !inCall;
    speech.disabled = !inCall;
    sayButton.disabled = !inCall;
    number.disabled = inCall || state === 'incoming';
  }

  function showProblem(text) {
    problem.textContent = text;
    problem.hidden = !text;
  }

  async function post(path, body) {
    try {
      const response = await fetch(path, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(body ?? {}),
      });
      if (response.ok) {
        showProblem('');
        return response;
      }
      const details = await response.json().catch(() => null);
      const errors = details && details.errors ? Object.values(details.errors).flat().join(' ') : '';
      showProblem(errors || (details && (details.detail || details.title)) || `The service answered ${response.status}.`);
    } catch {
      showProblem('The service cannot be reached.');
    }
    return null;
  }

  function add(event) {
    const item = document.createElement('li');
    item.textContent = event.text;
    if (event.type === 'said') {
      item.className = 'said';
      item.lang = event.language;
    } else if (event.type === 'heard') {
      item.className = 'heard';
    } else {
      item.className = event.type === 'error' ? 'note error' : 'note';
    }
    item.dataset.type = event.type;
    transcript.append(item);
    transcript.scrollTop = transcript.scrollHeight;
  }

  function show(event) {
    if (event.type === 'calling' || event.type === 'incoming') {
      transcript.replaceChildren();
      silence();
    }
    if (event.type === 'listening') {
      yourTurn = true;
      return;
    }
    if (event.type === 'said' || event.type === 'heard') yourTurn = false;
    add(event);
    if (event.type === 'said') speak(event.text, event.language);
  }

  function openLine() {
    opening = openLineNow().finally(() => { opening = null; });
    return opening;
  }

  async function openLineNow() {
    const mine = ++opened;
    line = null;
    render();
    const typed = number.value.trim();
    const response = await post('api/lines', { number: typed });
    if (!response || mine !== opened) return false;
    line = { ...(await response.json()), typed };
    next = 0;
    render();
    follow(mine);
    return true;
  }

  async function follow(mine) {
    while (mine === opened && line) {
      try {
        const response = await fetch(`api/lines/${line.id}/events?after=${next}`);
        if (mine !== opened) return;
        if (response.status === 404) {
          // The service forgot the line (it restarted, or the page slept): open a new one.
          openLine();
          return;
        }
        if (!response.ok) throw new Error(`events: ${response.status}`);
        const page = await response.json();
        if (mine !== opened) return;
        for (const event of page.events) show(event);
        next = page.next;
        state = page.state;
        if (!onCall.includes(state)) yourTurn = false;
        render();
      } catch {
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
    }
  }

  callButton.addEventListener('click', async () => {
    if (opening) await opening;
    if (!line || line.typed !== number.value.trim()) {
      if (!(await openLine())) return;
    }
    if (await post(`api/lines/${line.id}/call`)) {
      state = 'ringing';
      render();
    }
  });

  answerButton.addEventListener('click', () => post(`api/lines/${line.id}/answer`));

  hangupButton.addEventListener('click', () => {
    silence();
    post(`api/lines/${line.id}/hangup`);
  });

  function press(key) {
    if (line && onCall.includes(state)) post(`api/lines/${line.id}/keys`, { keys: key });
  }

  for (const key of keys) key.addEventListener('click', () => press(key.dataset.key));

  // On a computer the keyboard's digits, * and # press the keypad too (but not while typing in a text box).
  document.addEventListener('keydown', (event) => {
    if (event.target instanceof HTMLInputElement || event.ctrlKey || event.metaKey || event.altKey) return;
    if ('0123456789*#'.includes(event.key) && event.key.length === 1) press(event.key);
  });

  speakForm.addEventListener('submit', async (event) => {
    event.preventDefault();
    const text = speech.value.trim();
    if (!text || !line) return;
    if (await post(`api/lines/${line.id}/speech`, { text })) speech.value = '';
  });

  // A new number gets its own line, so that callbacks to it ring this page.
  number.addEventListener('change', () => {
    if (!onCall.includes(state) && state !== 'incoming') openLine();
  });

  render();
  openLine();
})();
