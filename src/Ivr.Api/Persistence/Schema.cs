namespace Ivr.Api.Persistence;

/// <summary>
/// The schema as a list of migrations; migration N brings the database from version N-1 to N. Never edit a
/// migration that has shipped: add the next one. Times are Unix milliseconds (UTC) so that SQL stays portable.
/// Each migration is written for SQLite; its PostgreSQL form is derived from it (<see cref="Migration"/>) unless it
/// gives one of its own, in the same entry, so the two never drift apart.
/// </summary>
public static class Schema
{
    public static readonly IReadOnlyList<Migration> Migrations =
    [
        """
        CREATE TABLE menu_versions (
            version     TEXT PRIMARY KEY,
            file        TEXT NOT NULL,
            content     TEXT NOT NULL,
            loaded_at   INTEGER NOT NULL
        );

        CREATE TABLE calls (
            call_sid         TEXT PRIMARY KEY,
            menu_version     TEXT NOT NULL REFERENCES menu_versions (version),
            menu             TEXT NOT NULL,
            language         TEXT NOT NULL,
            offered          INTEGER NOT NULL,
            fallbacks        INTEGER NOT NULL,
            step             INTEGER NOT NULL,
            phase            TEXT NOT NULL,
            caller           TEXT,
            called           TEXT,
            started_at       INTEGER NOT NULL,
            updated_at       INTEGER NOT NULL,
            ended_at         INTEGER,
            end_status       TEXT,
            duration_seconds INTEGER
        );

        CREATE TABLE call_events (
            id          INTEGER PRIMARY KEY AUTOINCREMENT,
            call_sid    TEXT NOT NULL,
            at          INTEGER NOT NULL,
            from_menu   TEXT NOT NULL,
            to_menu     TEXT NOT NULL,
            trigger     TEXT NOT NULL,
            input       TEXT
        );
        CREATE INDEX call_events_by_call ON call_events (call_sid, id);

        CREATE TABLE queue_entries (
            id           INTEGER PRIMARY KEY AUTOINCREMENT,
            call_sid     TEXT NOT NULL,
            department   TEXT NOT NULL,
            language     TEXT NOT NULL,
            enqueued_at  INTEGER NOT NULL,
            state        TEXT NOT NULL,
            ended_at     INTEGER
        );
        CREATE INDEX queue_entries_waiting ON queue_entries (department, state, enqueued_at);
        CREATE INDEX queue_entries_by_call ON queue_entries (call_sid);

        CREATE TABLE callbacks (
            id           INTEGER PRIMARY KEY AUTOINCREMENT,
            call_sid     TEXT,
            department   TEXT NOT NULL,
            number       TEXT NOT NULL,
            requested_at INTEGER NOT NULL,
            status       TEXT NOT NULL
        );
        """,
        """
        CREATE TABLE agents (
            id             TEXT PRIMARY KEY,
            department     TEXT NOT NULL,
            name           TEXT NOT NULL,
            kind           TEXT NOT NULL,
            address        TEXT NOT NULL,
            status         TEXT NOT NULL,
            away_until     INTEGER,
            busy_call_sid  TEXT,
            busy_since     INTEGER,
            free_at        INTEGER
        );
        CREATE INDEX agents_by_department ON agents (department);

        CREATE TABLE announcements (
            id                INTEGER PRIMARY KEY AUTOINCREMENT,
            call_sid          TEXT NOT NULL,
            department        TEXT NOT NULL,
            at                INTEGER NOT NULL,
            position          INTEGER NOT NULL,
            agents_on_duty    INTEGER NOT NULL,
            estimate_seconds  REAL,
            promise_seconds   REAL,
            actual_seconds    REAL
        );
        CREATE INDEX announcements_by_call ON announcements (call_sid);

        ALTER TABLE queue_entries ADD COLUMN agent_id TEXT;
        ALTER TABLE queue_entries ADD COLUMN offered_at INTEGER;
        ALTER TABLE queue_entries ADD COLUMN answered_at INTEGER;
        ALTER TABLE queue_entries ADD COLUMN handle_seconds INTEGER;
        """,
        """
        ALTER TABLE callbacks ADD COLUMN reference TEXT;
        ALTER TABLE callbacks ADD COLUMN language TEXT NOT NULL DEFAULT 'pl-PL';
        ALTER TABLE callbacks ADD COLUMN source TEXT NOT NULL DEFAULT 'menu';
        ALTER TABLE callbacks ADD COLUMN due_at INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE callbacks ADD COLUMN expected_at INTEGER;
        ALTER TABLE callbacks ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE callbacks ADD COLUMN agent_id TEXT;
        ALTER TABLE callbacks ADD COLUMN claimed_at INTEGER;
        ALTER TABLE callbacks ADD COLUMN attempt_call_sid TEXT;
        ALTER TABLE callbacks ADD COLUMN last_result TEXT;
        ALTER TABLE callbacks ADD COLUMN answered_at INTEGER;
        ALTER TABLE callbacks ADD COLUMN connected_at INTEGER;
        ALTER TABLE callbacks ADD COLUMN ended_at INTEGER;
        ALTER TABLE callbacks ADD COLUMN updated_at INTEGER;
        ALTER TABLE callbacks ADD COLUMN booked_at INTEGER;
        UPDATE callbacks SET reference = 'C' || id, due_at = requested_at, updated_at = requested_at, booked_at = requested_at;
        CREATE UNIQUE INDEX callbacks_by_reference ON callbacks (reference);
        CREATE INDEX callbacks_due ON callbacks (department, status, due_at);
        CREATE INDEX callbacks_by_number ON callbacks (number, status);
        CREATE INDEX callbacks_by_status ON callbacks (status, claimed_at);
        CREATE INDEX callbacks_by_attempt_call ON callbacks (attempt_call_sid);

        -- A caller's place in line: when they joined, or the place of the callback they came back from; enqueued_at
        -- stays the moment they joined, which waits and figures are measured from.
        ALTER TABLE queue_entries ADD COLUMN place_at INTEGER;
        UPDATE queue_entries SET place_at = enqueued_at;
        CREATE INDEX queue_entries_line ON queue_entries (department, state, place_at);

        CREATE TABLE callback_attempts (
            id           INTEGER PRIMARY KEY AUTOINCREMENT,
            callback_id  INTEGER NOT NULL REFERENCES callbacks (id),
            attempt      INTEGER NOT NULL,
            agent_id     TEXT,
            claimed_at   INTEGER NOT NULL,
            call_sid     TEXT,
            placed_at    INTEGER,
            result       TEXT,
            ended_at     INTEGER
        );
        CREATE INDEX callback_attempts_by_callback ON callback_attempts (callback_id, attempt);
        """,
        """
        -- Every time a menu went live (at start, from an edit of the file, a save in the console, a rollback),
        -- with the content-hash version calls are pinned to; rolling back to earlier content is a new activation.
        CREATE TABLE menu_activations (
            id            INTEGER PRIMARY KEY AUTOINCREMENT,
            version       TEXT NOT NULL REFERENCES menu_versions (version),
            source        TEXT NOT NULL,
            file          TEXT NOT NULL,
            activated_at  INTEGER NOT NULL
        );

        INSERT INTO menu_activations (version, source, file, activated_at)
        SELECT version, 'start', file, loaded_at FROM menu_versions ORDER BY loaded_at;
        """,
        """
        -- Each offer of a queue entry is numbered, and its webhooks carry the number, so that a late or repeated one
        -- never settles a later offer. bridged_at: the agent answered (Twilio asked for the whisper). heard_at: the
        -- last sign that the call was still on, which the sweep goes by. offer_after: a redirect failed for a passing
        -- reason, and the caller is not offered again before this.
        ALTER TABLE queue_entries ADD COLUMN offers INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE queue_entries ADD COLUMN bridged_at INTEGER;
        ALTER TABLE queue_entries ADD COLUMN heard_at INTEGER;
        ALTER TABLE queue_entries ADD COLUMN offer_after INTEGER;
        CREATE INDEX queue_entries_heard ON queue_entries (state, heard_at);
        -- When the sweep last found an agent's call still on.
        ALTER TABLE agents ADD COLUMN checked_at INTEGER;
        """,
        """
        -- The key to a booking's web page is a random token, stored as its SHA-256; bookings from before have none and
        -- are not reachable on the web (their six-digit links could be guessed). References repeat over time: they
        -- are unique among open bookings only.
        ALTER TABLE callbacks ADD COLUMN token_hash TEXT;
        CREATE UNIQUE INDEX callbacks_by_token ON callbacks (token_hash);
        DROP INDEX callbacks_by_reference;
        CREATE INDEX callbacks_by_reference ON callbacks (reference);
        CREATE UNIQUE INDEX callbacks_open_reference ON callbacks (reference) WHERE status IN ('pending', 'dialing', 'answered');
        """,
        """
        -- /healthz proves the database takes writes by updating this one row.
        CREATE TABLE health_checks (
            id          INTEGER PRIMARY KEY,
            checked_at  INTEGER NOT NULL
        );
        INSERT INTO health_checks (id, checked_at) VALUES (1, 0);
        """,
        """
        -- Who made a menu live and why (null for the file and the start); and what people did to the hotline.
        ALTER TABLE menu_activations ADD COLUMN author TEXT;
        ALTER TABLE menu_activations ADD COLUMN note TEXT;
        CREATE TABLE audit_log (
            id       INTEGER PRIMARY KEY AUTOINCREMENT,
            at       INTEGER NOT NULL,
            actor    TEXT NOT NULL,
            action   TEXT NOT NULL,
            subject  TEXT,
            detail   TEXT
        );
        """,
        """
        -- When Twilio followed the redirect of the current offer (asked for the TwiML that dials the agent): a redirect
        -- whose answer was lost may still have reached the call.
        ALTER TABLE queue_entries ADD COLUMN connected_at INTEGER;
        """,
        """
        -- What several instances on one database must count together or share: the booking and lookup limits (one
        -- row per event inside its window, and one row per key that a write locks so counts never race), failed
        -- console sign-ins per client, the keys that protect console cookies, and the replies to Twilio webhooks
        -- by their idempotency token, so that a retried webhook is applied once. Every row expires.
        CREATE TABLE rate_limit_keys (
            limit_key   TEXT PRIMARY KEY,
            expires_at  INTEGER NOT NULL
        );
        CREATE TABLE rate_limit_events (
            limit_key   TEXT NOT NULL,
            at          INTEGER NOT NULL,
            expires_at  INTEGER NOT NULL
        );
        CREATE INDEX rate_limit_events_by_key ON rate_limit_events (limit_key, at);
        CREATE INDEX rate_limit_events_expiry ON rate_limit_events (expires_at);
        CREATE INDEX rate_limit_keys_expiry ON rate_limit_keys (expires_at);
        CREATE TABLE sign_in_failures (
            client        TEXT PRIMARY KEY,
            failures      INTEGER NOT NULL,
            first_at      INTEGER NOT NULL,
            locked_until  INTEGER,
            expires_at    INTEGER NOT NULL
        );
        CREATE INDEX sign_in_failures_expiry ON sign_in_failures (expires_at);
        CREATE TABLE data_protection_keys (
            name        TEXT PRIMARY KEY,
            xml         TEXT NOT NULL,
            created_at  INTEGER NOT NULL
        );
        CREATE TABLE webhook_replies (
            token         TEXT PRIMARY KEY,
            path          TEXT NOT NULL,
            claimed_at    INTEGER NOT NULL,
            status        INTEGER,
            content_type  TEXT,
            body          TEXT,
            expires_at    INTEGER NOT NULL
        );
        CREATE INDEX webhook_replies_expiry ON webhook_replies (expires_at);
        -- Every instance learns handle times and patience from the last week of ended entries, once a minute.
        CREATE INDEX queue_entries_ended ON queue_entries (ended_at);
        """,
        """
        -- 1 when the customer left the team to us ("any team"): the booking waits in the default department's line,
        -- and its page says "any team", not that department.
        ALTER TABLE callbacks ADD COLUMN any_department INTEGER NOT NULL DEFAULT 0;
        """,
        """
        -- A returning caller is kept for the agent who talked to them last until prefer_until, if that agent is on duty.
        ALTER TABLE queue_entries ADD COLUMN preferred_agent TEXT;
        ALTER TABLE queue_entries ADD COLUMN prefer_until INTEGER;
        -- A caller's contacts are found by their number.
        CREATE INDEX calls_by_caller ON calls (caller, started_at);
        -- The post-call survey: one row per question answered (skipped questions leave none).
        CREATE TABLE survey_answers (
            id          INTEGER PRIMARY KEY AUTOINCREMENT,
            call_sid    TEXT NOT NULL,
            entry_id    INTEGER,
            number      TEXT,
            department  TEXT NOT NULL,
            agent_id    TEXT,
            question    TEXT NOT NULL,
            answer      INTEGER NOT NULL,
            at          INTEGER NOT NULL
        );
        CREATE UNIQUE INDEX survey_answers_once ON survey_answers (call_sid, department, question);
        CREATE INDEX survey_answers_by_number ON survey_answers (number, at);
        CREATE INDEX survey_answers_by_department ON survey_answers (department, at);
        """,
        """
        -- One row per lookup in the shop during a call (an order's status): what was asked and how it ended
        -- (found, not_found, unavailable with the failure), for the caller's contact history and self-service figures.
        CREATE TABLE shop_lookups (
            id            INTEGER PRIMARY KEY AUTOINCREMENT,
            call_sid      TEXT NOT NULL,
            caller        TEXT,
            at            INTEGER NOT NULL,
            kind          TEXT NOT NULL,
            order_number  TEXT,
            outcome       TEXT NOT NULL,
            failure       TEXT
        );
        CREATE INDEX shop_lookups_caller ON shop_lookups (caller, at);
        CREATE INDEX shop_lookups_call ON shop_lookups (call_sid);
        """,
        """
        -- A call's events are found by the call's start and its CallSid: a new call's first event goes to the end of
        -- the index, not to a random place among the CallSids (fewer pages written per new call).
        ALTER TABLE call_events ADD COLUMN call_started INTEGER;
        UPDATE call_events SET call_started = (SELECT started_at FROM calls WHERE calls.call_sid = call_events.call_sid);
        DROP INDEX call_events_by_call;
        CREATE INDEX call_events_by_call ON call_events (call_started, call_sid, id);
        """,
    ];
}
