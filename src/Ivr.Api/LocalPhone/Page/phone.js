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

  // The page speaks the language the service picked for it (<html lang>): Polish or English.
  const texts = {
    en: {
      title: 'Hotline phone',
      localNote: 'Local mode: your call goes through the simulator to this service, and agents are simulated.',
      yourNumber: 'Your number', call: 'Call', answer: 'Answer', hangUp: 'Hang up', keypad: 'Keypad',
      whatYouSay: 'What you say', sayPlaceholder: 'Say something, e.g. zamówienie', say: 'Say', transcript: 'Transcript',
      yourTurn: ' — your turn', newCall: 'New call', unreachable: 'The service cannot be reached.',
      answered: (status) => `The service answered ${status}.`,
      badNumber: 'Use a phone number such as +48 500 100 200, 500 100 200 (Poland) or 0049 30 1234567.',
      state: {
        idle: 'Ready', ringing: 'Ringing…', incoming: 'Incoming call', menu: 'In the menu', queue: 'Waiting in the queue',
        connecting: 'Calling an agent…', agent: 'Talking to an agent', ended: 'Call ended',
      },
      event: {
        calling: (hotline, from) => `Calling ${hotline} from ${from}`,
        incoming: (from) => `Incoming call from ${from}`,
        answered: () => 'You answered',
        heard: (kind, what) => (kind === 'keys' ? `You pressed ${what}` : `You said “${what}”`),
        'no-input': () => 'Nothing was pressed or said',
        queued: () => 'Waiting in the queue',
        'left-queue': (how) => (how === 'leave' ? 'Left the queue' : 'An agent is free'),
        dialing: () => 'Calling an agent',
        'agent-picked-up': (address) => `An agent picked up (${address}); putting you through`,
        agent: (address) => `You are talking to an agent (${address})`,
        'agent-left': (how, seconds) => (how === 'completed' ? `The agent hung up after ${seconds} s` : `The agent did not answer (${how})`),
        'hung-up': (who) => (who === 'caller' ? 'You hung up' : 'The hotline hung up'),
        error: (kind, reason) => (kind === 'broke-off' ? `The call broke off: ${reason}` : `We are sorry, an application error has occurred: ${reason}`),
        ended: (how) => (how === 'missed' ? 'Missed call' : 'Call ended'),
      },
    },
    pl: {
      title: 'Telefon infolinii',
      localNote: 'Tryb lokalny: rozmowa idzie przez symulator do tej usługi, a konsultanci są symulowani.',
      yourNumber: 'Twój numer', call: 'Zadzwoń', answer: 'Odbierz', hangUp: 'Rozłącz', keypad: 'Klawiatura',
      whatYouSay: 'Co mówisz', sayPlaceholder: 'Powiedz coś, np. zamówienie', say: 'Powiedz', transcript: 'Przebieg rozmowy',
      yourTurn: ' — twoja kolej', newCall: 'Nowa rozmowa', unreachable: 'Nie można połączyć się z usługą.',
      answered: (status) => `Usługa odpowiedziała ${status}.`,
      badNumber: 'Podaj numer telefonu, np. +48 500 100 200, 500 100 200 (Polska) lub 0049 30 1234567.',
      state: {
        idle: 'Gotowy', ringing: 'Łączenie…', incoming: 'Połączenie przychodzące', menu: 'W menu', queue: 'Czekasz w kolejce',
        connecting: 'Łączenie z konsultantem…', agent: 'Rozmowa z konsultantem', ended: 'Rozmowa zakończona',
      },
      event: {
        calling: (hotline, from) => `Dzwonisz na ${hotline} z numeru ${from}`,
        incoming: (from) => `Połączenie przychodzące z ${from}`,
        answered: () => 'Odebrano',
        heard: (kind, what) => (kind === 'keys' ? `Wciśnięto ${what}` : `Powiedziano „${what}”`),
        'no-input': () => 'Nic nie wciśnięto ani nie powiedziano',
        queued: () => 'Czekasz w kolejce',
        'left-queue': (how) => (how === 'leave' ? 'Opuszczono kolejkę' : 'Konsultant jest wolny'),
        dialing: () => 'Łączenie z konsultantem',
        'agent-picked-up': (address) => `Konsultant odebrał (${address}); trwa łączenie`,
        agent: (address) => `Rozmawiasz z konsultantem (${address})`,
        'agent-left': (how, seconds) => (how === 'completed' ? `Konsultant rozłączył się po ${seconds} s` : `Konsultant nie odebrał (${how})`),
        'hung-up': (who) => (who === 'caller' ? 'Rozłączono' : 'Infolinia rozłączyła się'),
        error: (kind, reason) => (kind === 'broke-off' ? `Połączenie zerwane: ${reason}` : `Przepraszamy, wystąpił błąd aplikacji: ${reason}`),
        ended: (how) => (how === 'missed' ? 'Nieodebrane połączenie' : 'Rozmowa zakończona'),
      },
    },
  };
  const t = texts[document.documentElement.lang] || texts.en;
  for (const element of document.querySelectorAll('[data-t]')) element.textContent = t[element.dataset.t];
  for (const element of document.querySelectorAll('[data-t-label]')) element.setAttribute('aria-label', t[element.dataset.tLabel]);
  for (const element of document.querySelectorAll('[data-t-placeholder]')) element.placeholder = t[element.dataset.tPlaceholder];

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
    status.textContent = t.state[state] + (yourTurn && state === 'menu' ? t.yourTurn : '');
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
      if (details && details.errors && details.errors.number) {
        showProblem(t.badNumber);
        return null;
      }
      const errors = details && details.errors ? Object.values(details.errors).flat().join(' ') : '';
      showProblem(errors || (details && (details.detail || details.title)) || t.answered(response.status));
    } catch {
      showProblem(t.unreachable);
    }
    return null;
  }

  // What the hotline said is shown as said; the rest is worded in the page's language from the event's parts.
  function wording(event) {
    const word = t.event[event.type];
    return event.type !== 'said' && word ? word(...(event.args || [])) : event.text;
  }

  function add(event) {
    const item = document.createElement('li');
    item.textContent = wording(event);
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
    // A new call (placed, or a callback ringing) starts under a divider: what was said before stays readable.
    if (event.type === 'calling' || event.type === 'incoming') {
      silence();
      if (transcript.children.length > 0) {
        const divider = document.createElement('li');
        divider.className = 'divider';
        divider.setAttribute('role', 'separator');
        divider.textContent = t.newCall;
        transcript.append(divider);
      }
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
