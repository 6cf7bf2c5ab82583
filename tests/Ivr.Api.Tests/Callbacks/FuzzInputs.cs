using System.Globalization;
using System.Text;

namespace Ivr.Api.Tests.Callbacks;

/// <summary>
/// Random inputs for the callback form and API, from a seeded <see cref="Random"/> so that a failing run repeats:
/// odd unicode, control characters, huge strings, numbers with odd separators, JSON with wrong types, deep nesting
/// and duplicate keys, form bodies with random fields.
/// </summary>
internal sealed class FuzzInputs(int seed)
{
    private readonly Random _random = new(seed);

    private static readonly string[] Prefixes = ["", "", "+", "00", "+48", "0048", "48", "++", "+ ", "(+48)", "0", "+0", "+49", "+800", "＋"];
    private static readonly string[] Separators = ["", " ", "-", ".", "/", "(", ")", "\u00A0", "_", ",", "\t", "\u2011", "\u2013", "\u200B", "  "];
    private static readonly string[] Departments = ["orders", "returns", "complaints", "delivery", "ORDERS", "", " ", "billing", "orders ", "0"];
    private static readonly string[] Languages = ["pl", "pl-PL", "en", "en-US", "EN_us", "de", "", "*", "x-klingon", "pl;q=0"];

    public int Next(int max) => _random.Next(max);

    public bool Chance(double p) => _random.NextDouble() < p;

    public T Pick<T>(IReadOnlyList<T> items) => items[_random.Next(items.Count)];

    /// <summary>Something typed into the phone field.</summary>
    public string Phone() => _random.Next(6) switch
    {
        0 => Unicode(_random.Next(0, 30)),
        1 or 2 => NumberLike(),
        3 => ValidLooking(),
        4 => Chance(0.5) ? new string(Pick("0123456789+ -"), _random.Next(40, 5000)) : Unicode(_random.Next(41, 3000)),
        _ => Pick(Prefixes) + Unicode(_random.Next(1, 4)) + NumberLike(),
    };

    /// <summary>Digits with a prefix and separators of every kind.</summary>
    public string NumberLike()
    {
        var text = new StringBuilder(Pick(Prefixes));
        var digits = _random.Next(0, 20);
        for (var i = 0; i < digits; i++)
        {
            text.Append(Chance(0.05) ? Pick("٠١٢٣٤٥٦٧٨٩０１２３") : (char)('0' + _random.Next(10)));
            if (Chance(0.3))
                text.Append(Pick(Separators));
        }
        return text.ToString();
    }

    /// <summary>A Polish mobile number in one of the ways people write it (often valid, so bookings happen too).</summary>
    public string ValidLooking()
    {
        // Some from a short list, so that the same number is booked again.
        var national = Chance(0.3) ? $"5001002{_random.Next(10):D2}" : $"{Pick("5678")}{_random.Next(0, 100_000_000):D8}";
        var grouped = string.Join(Pick([" ", "-", "", "."]), national.Chunk(3).Select(c => new string(c)));
        return Pick(["", "+48 ", "0048 ", "48"]) + grouped;
    }

    /// <summary>Characters from everywhere: controls, Polish letters, CJK, emoji, lone surrogates, direction marks.</summary>
    public string Unicode(int length)
    {
        var text = new StringBuilder(length);
        while (text.Length < length)
        {
            switch (_random.Next(9))
            {
                case 0: text.Append((char)_random.Next(0, 32)); break;
                case 1: text.Append((char)_random.Next(32, 127)); break;
                case 2: text.Append(Pick("ąćęłńóśźżĄĆĘŁŃÓŚŹŻ")); break;
                case 3: text.Append((char)_random.Next(0x4E00, 0x9FFF)); break;
                case 4: text.Append(char.ConvertFromUtf32(_random.Next(0x1F600, 0x1F64F))); break;
                case 5: text.Append((char)_random.Next(0xD800, 0xE000)); break; // a lone surrogate
                case 6: text.Append(Pick("\u200B\u200E\u200F\u202E\uFEFF\u00A0\uFFFD\u0000\u007F")); break;
                case 7: text.Append((char)_random.Next(0x80, 0x800)); break;
                default: text.Append((char)('0' + _random.Next(10))); break;
            }
        }
        return text.ToString();
    }

    public string Department() => Chance(0.8) ? Pick(Departments) : Unicode(_random.Next(0, 20));

    public string Language() => Chance(0.8) ? Pick(Languages) : Unicode(_random.Next(0, 10));

    /// <summary>A request body for the JSON API; not always JSON, not always an object.</summary>
    public string JsonBody() => _random.Next(10) switch
    {
        < 2 => Booking(),
        < 5 => JsonObject(),
        5 => Nested(_random.Next(1, 200)),
        6 => Truncated(JsonObject()),
        7 => JsonValue(depth: 2),
        8 => Unicode(_random.Next(0, 60)),
        _ => JsonObject().Replace(",", Pick([",,", ", ", ":", ""])),
    };

    /// <summary>A booking as a shop's website would send it, often valid, with odd numbers now and then.</summary>
    public string Booking()
    {
        var department = Chance(0.5) ? $", \"department\": {JsonString(Pick(Departments[..4]))}" : "";
        var language = Chance(0.5) ? $", \"language\": {JsonString(Pick(Languages[..4]))}" : "";
        return $$"""{ "phone": {{JsonString(Chance(0.8) ? ValidLooking() : NumberLike())}}, "consent": true{{department}}{{language}} }""";
    }

    /// <summary>An object with the fields of a booking, each of a random type, in any case, some twice, plus extras.</summary>
    public string JsonObject()
    {
        var members = new List<string>();
        foreach (var field in new[] { "phone", "department", "consent", "language" })
        {
            if (Chance(0.15))
                continue;
            var name = _random.Next(4) switch { 0 => field.ToUpperInvariant(), 1 => char.ToUpperInvariant(field[0]) + field[1..], _ => field };
            var times = Chance(0.08) ? 2 : 1;
            for (var i = 0; i < times; i++)
                members.Add($"{JsonString(name)}: {FieldValue(field)}");
        }
        for (var extras = _random.Next(3); extras > 0; extras--)
            members.Add($"{JsonString(Unicode(_random.Next(0, 8)))}: {JsonValue(depth: 3)}");
        members = members.OrderBy(_ => _random.Next()).ToList();
        return "{" + string.Join(", ", members) + "}";
    }

    private string FieldValue(string field)
    {
        if (Chance(0.25))
            return JsonValue(depth: 3);
        return field switch
        {
            "phone" => JsonString(Phone()),
            "department" => JsonString(Department()),
            "language" => JsonString(Language()),
            _ => Chance(0.8) ? "true" : Pick(["false", "\"true\"", "1", "null", "\"yes\""]),
        };
    }

    public string JsonValue(int depth) => _random.Next(depth > 0 ? 8 : 6) switch
    {
        0 => "null",
        1 => Chance(0.5) ? "true" : "false",
        2 => _random.Next(-1_000_000, 1_000_000).ToString(CultureInfo.InvariantCulture),
        3 => Pick(["1e400", "-0", "3.14", "1E-7", "12345678901234567890123", "NaN", "Infinity"]),
        4 or 5 => JsonString(Chance(0.5) ? Phone() : Unicode(_random.Next(0, 20))),
        6 => "[" + string.Join(",", Enumerable.Range(0, _random.Next(4)).Select(_ => JsonValue(depth - 1))) + "]",
        _ => "{" + string.Join(",", Enumerable.Range(0, _random.Next(4)).Select(_ => $"{JsonString(Unicode(3))}:{JsonValue(depth - 1)}")) + "}",
    };

    private string Truncated(string json) => json[.._random.Next(0, json.Length)];

    private string Nested(int depth)
    {
        var open = Chance(0.5) ? "[" : "{\"phone\":";
        var close = open == "[" ? "]" : "}";
        return string.Concat(Enumerable.Repeat(open, depth)) + JsonString(Phone()) + string.Concat(Enumerable.Repeat(close, depth));
    }

    /// <summary>A JSON string literal; lone surrogates and controls escaped, sometimes everything escaped.</summary>
    public string JsonString(string value)
    {
        var escapeAll = Chance(0.1);
        var text = new StringBuilder("\"");
        foreach (var c in value)
        {
            if (c == '"') text.Append("\\\"");
            else if (c == '\\') text.Append("\\\\");
            else if (c < 0x20 || char.IsSurrogate(c) || escapeAll) text.Append($"\\u{(int)c:X4}");
            else text.Append(c);
        }
        return text.Append('"').ToString();
    }

    /// <summary>A URL-encoded form body with the form's fields and random ones, values of every kind.</summary>
    public string FormBody(string? validToken)
    {
        var fields = new List<(string, string)>();
        if (Chance(0.9)) fields.Add(("phone", Phone()));
        if (Chance(0.6)) fields.Add(("department", Department()));
        if (Chance(0.7)) fields.Add(("consent", Pick(["yes", "on", "", "false", "no", "1"])));
        if (Chance(0.5)) fields.Add(("lang", Language()));
        if (Chance(0.7)) fields.Add(("token", validToken is not null && Chance(0.8) ? validToken : Unicode(_random.Next(0, 50))));
        for (var extras = _random.Next(4); extras > 0; extras--)
            fields.Add((Unicode(_random.Next(0, 10)), Unicode(_random.Next(0, 30))));
        if (Chance(0.1) && fields.Count > 0)
            fields.Add(Pick(fields));
        var body = string.Join("&", fields.OrderBy(_ => _random.Next()).Select(f => $"{Encode(f.Item1)}={Encode(f.Item2)}"));
        return Chance(0.1) ? body + Pick(["%", "%zz", "&&&", "=", "+%2", "&=&="]) : body;
    }

    private static string Encode(string text)
    {
        var encoded = new StringBuilder();
        foreach (var b in Encoding.UTF8.GetBytes(text))
        {
            if (char.IsAsciiLetterOrDigit((char)b) || b is (byte)'-' or (byte)'.' or (byte)'_')
                encoded.Append((char)b);
            else if (b == (byte)' ')
                encoded.Append('+');
            else
                encoded.Append($"%{b:X2}");
        }
        return encoded.ToString();
    }

    /// <summary>What a browser might send as Accept-Language, sensible or not (no line breaks: HTTP forbids them).</summary>
    public string AcceptLanguage() => _random.Next(4) switch
    {
        0 => Pick(["pl-PL,pl;q=0.9", "en-US,en;q=0.9", "de-DE", "*", ""]),
        1 => string.Join(",", Enumerable.Range(0, _random.Next(1, 5)).Select(_ => $"{Language()};q={_random.NextDouble():0.##}")),
        _ => new string(Enumerable.Range(0, _random.Next(0, 40)).Select(_ => (char)_random.Next(32, 127)).ToArray()),
    };

    /// <summary>A reference as someone might type or guess it.</summary>
    public string Reference() => _random.Next(4) switch
    {
        0 => _random.Next(100_000, 1_000_000).ToString(CultureInfo.InvariantCulture),
        1 => _random.Next(0, 10_000_000).ToString(CultureInfo.InvariantCulture),
        _ => Unicode(_random.Next(1, 12)),
    };

    public byte[] Bytes(int length)
    {
        var bytes = new byte[length];
        _random.NextBytes(bytes);
        return bytes;
    }

    private char Pick(string characters) => characters[_random.Next(characters.Length)];
}
