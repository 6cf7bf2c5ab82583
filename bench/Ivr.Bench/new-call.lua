-- wrk script: every request is the first webhook of a new call, as Twilio sends it: a fresh CallSid, a caller's
-- number of its own, I-Twilio-Idempotency-Token, and X-Twilio-Signature (Base64 HMAC-SHA1 of the URL and the sorted
-- form fields with the auth token), computed here through the OpenSSL library wrk itself is linked with.
-- Arguments (after --): signed URL, auth token, run id (keeps CallSids fresh across runs on one database), and
-- optionally no-idempotency-token to leave that header out (for an experiment by hand).
local ffi = require("ffi")
ffi.cdef [[
typedef struct evp_md_st EVP_MD;
const EVP_MD *EVP_sha1(void);
unsigned char *HMAC(const EVP_MD *evp_md, const void *key, int key_len, const unsigned char *d, size_t n,
                    unsigned char *md, unsigned int *md_len);
]]
local crypto = ffi.C
local digest = ffi.new("unsigned char[20]")
local digest_length = ffi.new("unsigned int[1]")
local alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"

local function base64(bytes, length)
    local out = {}
    for i = 0, length - 1, 3 do
        local a, b, c = bytes[i], i + 1 < length and bytes[i + 1] or 0, i + 2 < length and bytes[i + 2] or 0
        local n = a * 65536 + b * 256 + c
        local c1, c2 = math.floor(n / 262144) % 64, math.floor(n / 4096) % 64
        local c3, c4 = math.floor(n / 64) % 64, n % 64
        out[#out + 1] = alphabet:sub(c1 + 1, c1 + 1) .. alphabet:sub(c2 + 1, c2 + 1)
            .. (i + 1 < length and alphabet:sub(c3 + 1, c3 + 1) or "=")
            .. (i + 2 < length and alphabet:sub(c4 + 1, c4 + 1) or "=")
    end
    return table.concat(out)
end

local threads = {}
local thread_number = 0

function setup(thread)
    thread:set("thread_id", thread_number)
    thread_number = thread_number + 1
    threads[#threads + 1] = thread
end

local url, token, run, counter, with_token
unexpected = 0 -- a global: done() reads it from each thread

function init(args)
    url, token, run, with_token = args[1], args[2], tonumber(args[3]) or 0, args[4] ~= "no-idempotency-token"
    math.randomseed(run * 1000 + thread_id)
    counter = 0
    unexpected = 0
end

function request()
    counter = counter + 1
    -- As Twilio's, 32 hex digits that look random (sequential ones would all land on one index page); the run,
    -- thread and count at the end so that none repeats. Callers' numbers at random too.
    local call_sid = string.format("CA%04x%04x%04x%04x%04x%04x%02x%06x", math.random(0, 65535), math.random(0, 65535),
        math.random(0, 65535), math.random(0, 65535), math.random(0, 65535), run % 65536, thread_id % 256, counter % 16777216)
    local caller = string.format("+485%04d%04d", math.random(0, 9999), math.random(0, 9999))
    -- Fields in ordinal order of their names: the order the signature is computed in.
    local fields = {
        { "AccountSid", "AC00000000000000000000000000000000" }, { "ApiVersion", "2010-04-01" },
        { "CallSid", call_sid }, { "CallStatus", "ringing" }, { "Called", "+48221000000" }, { "Caller", caller },
        { "Direction", "inbound" }, { "From", caller }, { "FromCountry", "PL" }, { "To", "+48221000000" },
        { "ToCountry", "PL" },
    }
    local signed, body = { url }, {}
    for _, field in ipairs(fields) do
        signed[#signed + 1] = field[1] .. field[2]
        body[#body + 1] = field[1] .. "=" .. field[2]:gsub("%+", "%%2B")
    end
    local data = table.concat(signed)
    crypto.HMAC(crypto.EVP_sha1(), token, #token, data, #data, digest, digest_length)
    local headers = {
        ["Content-Type"] = "application/x-www-form-urlencoded",
        ["X-Twilio-Signature"] = base64(digest, digest_length[0]),
    }
    if with_token then
        headers["I-Twilio-Idempotency-Token"] = call_sid .. "-incoming"
    end
    return wrk.format("POST", nil, headers, table.concat(body, "&"))
end

-- Every answer must be TwiML that goes on with the call (a Gather); an apology counts as an error.
function response(status, headers, body)
    if status ~= 200 or not body:find("<Gather", 1, true) then
        unexpected = unexpected + 1
    end
end

function done(summary, latency, requests)
    local bad = 0
    for _, thread in ipairs(threads) do
        bad = bad + (thread:get("unexpected") or 0)
    end
    local errors = summary.errors
    io.write(string.format(
        "result requests=%d duration_us=%d p50_us=%d p90_us=%d p99_us=%d max_us=%d unexpected=%d socket_errors=%d\n",
        summary.requests, summary.duration, latency:percentile(50), latency:percentile(90), latency:percentile(99),
        latency.max, bad, errors.connect + errors.read + errors.write + errors.timeout))
end
