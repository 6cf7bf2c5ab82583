using System.Text;
using Ivr.Flows.Model;

namespace Ivr.Api.Callbacks;

/// <summary>
/// The callback pages as plain HTML with their own small stylesheet: nothing loaded from elsewhere and no
/// script, so they work on any phone, with JavaScript off and with a screen reader. Every text a customer typed
/// is HTML-encoded.
/// </summary>
public static class CallbackPages
{
    /// <summary>The form page: the number, an optional department, the consent, and the problems of the last try.</summary>
    public static string Form(
        MenuDefinition menu, string language, string token, CallbackRequest values,
        IReadOnlyDictionary<string, string[]> errors, string? notice)
    {
        var texts = CallbackTexts.For(language);
        var body = new StringBuilder();
        body.Append($"<h1>{H(texts.FormTitle)}</h1>\n<p>{H(texts.Intro)}</p>\n");
        body.Append(ErrorSummary(texts, errors, notice));

        var phoneError = FieldError(CallbackRequest.PhoneField, errors, texts);
        var departmentError = FieldError(CallbackRequest.DepartmentField, errors, texts);
        var consentError = FieldError(CallbackRequest.ConsentField, errors, texts);
        // Without script, autofocus is how the first field to fix gets the focus after the page comes back.
        var firstInvalid = new[] { CallbackRequest.PhoneField, CallbackRequest.DepartmentField, CallbackRequest.ConsentField }
            .FirstOrDefault(errors.ContainsKey);

        body.Append(
            $"""
            <form method="post" action="/callback" class="callback-form">
            <input type="hidden" name="{FormToken.FieldName}" value="{H(token)}">
            <input type="hidden" name="lang" value="{H(WebLanguage.Primary(language))}">
            <div class="field{Invalid(phoneError)}">
            <label for="phone">{H(texts.PhoneLabel)}</label>
            <p class="hint" id="phone-hint">{H(texts.PhoneHint)}</p>
            {phoneError}<input id="phone" name="phone" type="tel" autocomplete="tel" inputmode="tel" required value="{H(Echo(values.Phone))}" aria-describedby="phone-hint{Described("phone", phoneError)}"{InvalidAttributes(phoneError, firstInvalid == CallbackRequest.PhoneField)}>
            </div>
            <div class="field{Invalid(departmentError)}">
            <label for="department">{H(texts.DepartmentLabel)}</label>
            {departmentError}<select id="department" name="department"{(departmentError.Length > 0 ? " aria-describedby=\"department-error\"" : "")}{InvalidAttributes(departmentError, firstInvalid == CallbackRequest.DepartmentField)}>
            <option value="">{H(texts.AnyDepartment)}</option>

            """);
        foreach (var department in menu.Departments.Values)
        {
            var selected = string.Equals(department.Id, values.Department?.Trim(), StringComparison.OrdinalIgnoreCase) ? " selected" : "";
            body.Append($"<option value=\"{H(department.Id)}\"{selected}>{H(LocalizedText.Capitalize(department.Title.For(language)))}</option>\n");
        }
        body.Append(
            $"""
            </select>
            </div>
            <div class="field{Invalid(consentError)}">
            {consentError}<div class="consent">
            <input type="checkbox" id="consent" name="consent" value="yes" required{(values.Consent ? " checked" : "")}{(consentError.Length > 0 ? " aria-describedby=\"consent-error\"" : "")}{InvalidAttributes(consentError, firstInvalid == CallbackRequest.ConsentField)}>
            <label for="consent">{H(texts.ConsentLabel)}</label>
            </div>
            </div>
            <button type="submit">{H(texts.Submit)}</button>
            </form>

            """);
        var title = errors.Count > 0 || notice is not null ? $"{texts.ErrorPrefix} {texts.FormTitle}" : texts.FormTitle;
        return Layout(menu, language, title, body.ToString(), "/callback");
    }

    /// <summary>Where a booking stands, when the call is expected, and a cancel button while it is still pending.</summary>
    public static string Status(
        MenuDefinition menu, string language, string token, CallbackBooking booking, DateTimeOffset now,
        IReadOnlyCollection<string> countryCodes, string? notice)
    {
        var texts = CallbackTexts.For(language);
        // "Any team" as the customer chose it: the team that happens to call is not what they asked for.
        var department = booking.AnyDepartment
            ? texts.AnyDepartment
            : menu.Departments.GetValueOrDefault(booking.Department)?.Title.For(language) ?? booking.Department;
        var (shown, last) = PartlyHidden(booking.Number, countryCodes);
        var body = new StringBuilder();
        body.Append($"<h1>{H(texts.StatusTitle)}</h1>\n");
        if (notice is not null)
            body.Append($"<div class=\"summary\" role=\"alert\"><p>{H(notice)}</p></div>\n");
        body.Append(
            $"""
            <p class="status" id="status" data-status="{H(CallbackLifecycle.Name(booking.Status))}">{H(StatusText(texts, booking, now, menu.Hotline.TimeZone, language))}</p>
            <dl class="facts">
            <dt>{H(texts.ReferenceLabel)}</dt><dd id="reference">{H(booking.Reference)}</dd>
            <dt>{H(booking.Status is CallbackStatus.Pending or CallbackStatus.Dialing or CallbackStatus.Answered ? texts.NumberLabel : texts.NumberCalled)}</dt><dd><span aria-hidden="true">{H(shown)}</span><span class="visually-hidden">{H(texts.NumberEnding(last))}</span></dd>
            <dt>{H(texts.DepartmentTitle)}</dt><dd>{H(LocalizedText.Capitalize(department))}</dd>
            </dl>

            """);
        var here = $"/callback/{Uri.EscapeDataString(booking.Token ?? "")}";
        if (booking.Status == CallbackStatus.Pending)
        {
            body.Append(
                $"""
                <p>{H(texts.KeepReference)}</p>
                <form method="post" action="{here}/cancel">
                <input type="hidden" name="{FormToken.FieldName}" value="{H(token)}">
                <input type="hidden" name="lang" value="{H(WebLanguage.Primary(language))}">
                <button type="submit" class="secondary">{H(texts.Cancel)}</button>
                </form>

                """);
        }
        else if (booking.Status is CallbackStatus.Dialing or CallbackStatus.Answered)
        {
            // A booking may be dialled the moment it is made: say why there is no cancel button, and what to do instead.
            body.Append($"<p id=\"no-cancel\">{H(texts.TooLateToCancel)} {H(texts.JustDoNotAnswer)}</p>\n");
        }
        var next = booking.Status is CallbackStatus.Failed or CallbackStatus.Canceled or CallbackStatus.Connected
            ? $"<a href=\"/callback?lang={WebLanguage.Primary(language)}\">{H(texts.BookAgain)}</a>"
            : $"<a href=\"{here}?lang={WebLanguage.Primary(language)}\">{H(texts.Refresh)}</a>";
        body.Append($"<p class=\"next\">{next}</p>\n");
        return Layout(menu, language, $"{texts.StatusTitle} {booking.Reference}", body.ToString(), here);
    }

    /// <summary>A page that only says something: an unknown reference, too many tries, a request we cannot read.</summary>
    public static string Message(MenuDefinition menu, string language, string title, string text, string path)
    {
        var texts = CallbackTexts.For(language);
        var body = $"""
            <h1>{H(title)}</h1>
            <p role="alert">{H(text)}</p>
            <p class="next"><a href="/callback?lang={WebLanguage.Primary(language)}">{H(texts.BookAgain)}</a></p>

            """;
        return Layout(menu, language, title, body, path);
    }

    /// <summary>What the status line says for the booking's status.</summary>
    public static string StatusText(CallbackTexts texts, CallbackBooking booking, DateTimeOffset now, TimeZoneInfo zone, string language) =>
        booking.Status switch
        {
            // After a try nobody answered, the next try is what counts, not the time first promised.
            CallbackStatus.Pending when booking.Attempts > 0 => texts.Retrying(CallbackTexts.When(booking.DueAt, now, zone, language)),
            CallbackStatus.Pending => texts.Pending(CallbackTexts.When(booking.ExpectedAt ?? booking.DueAt, now, zone, language)),
            CallbackStatus.Dialing or CallbackStatus.Answered => texts.Calling,
            CallbackStatus.Connected => texts.Connected,
            CallbackStatus.Failed => texts.Failed,
            CallbackStatus.Canceled => texts.Canceled,
            _ => CallbackLifecycle.Name(booking.Status),
        };

    /// <summary>
    /// "+48 ••• ••• 200" and "200": the country code and the last three digits, enough for the customer to
    /// recognise the number, too little for someone a link was passed on to.
    /// </summary>
    public static (string Shown, string Last) PartlyHidden(string number, IReadOnlyCollection<string> countryCodes)
    {
        var digits = new string(number.Where(char.IsAsciiDigit).ToArray());
        var country = countryCodes.Where(code => digits.StartsWith(code, StringComparison.Ordinal))
            .OrderByDescending(code => code.Length).FirstOrDefault() ?? "";
        var last = digits.Length > country.Length + 3 ? digits[^3..] : "";
        var hidden = Math.Max(0, digits.Length - country.Length - last.Length);
        var dots = string.Join(" ", new string('•', hidden).Chunk(3).Select(chunk => new string(chunk)));
        return ($"+{country} {dots} {last}".Replace("  ", " ").Trim(), last);
    }

    private static string Layout(MenuDefinition menu, string language, string title, string body, string path)
    {
        var switches = string.Join(" ", menu.Hotline.Languages
            .Where(other => other != language)
            .Select(other =>
            {
                var code = WebLanguage.Primary(other);
                return $"<a href=\"{path}?lang={H(code)}\" hreflang=\"{H(code)}\" lang=\"{H(code)}\">{H(LanguageName(other))}</a>";
            }));
        return $"""
            <!doctype html>
            <html lang="{H(WebLanguage.Primary(language))}">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <meta name="referrer" content="no-referrer">
            <title>{H(title)} – {H(menu.Hotline.Name)}</title>
            <style>{Stylesheet}</style>
            </head>
            <body>
            <header><p class="shop">{H(menu.Hotline.Name)}</p><nav>{switches}</nav></header>
            <main>
            {body}</main>
            </body>
            </html>

            """;
    }

    private static string ErrorSummary(CallbackTexts texts, IReadOnlyDictionary<string, string[]> errors, string? notice)
    {
        if (errors.Count == 0 && notice is null)
            return "";
        var summary = new StringBuilder("<div class=\"summary\" role=\"alert\" aria-labelledby=\"summary-title\">\n");
        summary.Append($"<h2 id=\"summary-title\">{H(notice ?? texts.ErrorSummaryTitle)}</h2>\n");
        if (errors.Count > 0)
        {
            summary.Append("<ul>\n");
            foreach (var (field, messages) in errors)
            {
                foreach (var message in messages)
                    summary.Append($"<li><a href=\"#{H(field)}\">{H(message)}</a></li>\n");
            }
            summary.Append("</ul>\n");
        }
        summary.Append("</div>\n");
        return summary.ToString();
    }

    private static string FieldError(string field, IReadOnlyDictionary<string, string[]> errors, CallbackTexts texts) =>
        errors.TryGetValue(field, out var messages)
            ? $"<p class=\"error\" id=\"{field}-error\"><span class=\"visually-hidden\">{H(texts.ErrorPrefix)} </span>{H(string.Join(" ", messages))}</p>\n"
            : "";

    private static string Invalid(string error) => error.Length > 0 ? " invalid" : "";

    private static string Described(string field, string error) => error.Length > 0 ? $" {field}-error" : "";

    private static string InvalidAttributes(string error, bool focus) =>
        (error.Length > 0 ? " aria-invalid=\"true\"" : "") + (focus ? " autofocus" : "");

    // What the customer typed comes back in the field, without control characters and within reason.
    private static string Echo(string? typed)
    {
        var text = new string((typed ?? "").Where(c => !char.IsControl(c)).Take(100).ToArray());
        return char.IsHighSurrogate(text.LastOrDefault()) ? text[..^1] : text;
    }

    private static string LanguageName(string language) => WebLanguage.Primary(language) switch
    {
        "pl" => "Polski",
        "en" => "English",
        _ => language,
    };

    /// <summary>HTML-encodes text for element content and quoted attribute values.</summary>
    public static string H(string? text) =>
        (text ?? "").Replace("&", "&amp;").Replace("<", "&lt;").Replace(">", "&gt;").Replace("\"", "&quot;").Replace("'", "&#39;");

    private const string Stylesheet =
        """

        :root{--ink:#1b1b1b;--muted:#505050;--accent:#0b57d0;--error:#b3261e;--page:#f4f5f7;--card:#fff;--focus:#ffbf47}
        *{box-sizing:border-box}
        body{margin:0;font:1.0625rem/1.5 system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;color:var(--ink);background:var(--page)}
        header{display:flex;flex-wrap:wrap;justify-content:space-between;align-items:center;gap:.5rem 1rem;max-width:34rem;margin:0 auto;padding:1rem}
        .shop{font-weight:700;margin:0}
        main{max-width:34rem;margin:0 auto 2rem;padding:1.25rem;background:var(--card);border-radius:.75rem;box-shadow:0 1px 3px rgba(0,0,0,.15)}
        h1{font-size:1.6rem;line-height:1.2;margin:0 0 .75rem}
        a{color:var(--accent);text-underline-offset:.15em}
        .field{margin:1.25rem 0}
        label{display:block;font-weight:600;margin-bottom:.25rem}
        .hint{color:var(--muted);margin:0 0 .4rem;font-size:.95rem}
        input[type=tel],select{display:block;width:100%;min-height:3rem;padding:.6rem .75rem;font:inherit;color:inherit;background:#fff;border:2px solid #5f5f5f;border-radius:.4rem}
        .invalid{border-left:4px solid var(--error);padding-left:.75rem}
        .invalid input[type=tel],.invalid select{border-color:var(--error)}
        .error{color:var(--error);font-weight:700;margin:0 0 .4rem}
        .consent{display:flex;gap:.75rem;align-items:flex-start}
        .consent input{width:1.5rem;height:1.5rem;margin:.15rem 0 0;flex:none;accent-color:var(--accent)}
        .consent label{font-weight:400;margin:0}
        button{width:100%;min-height:3rem;padding:.6rem 1.25rem;font:inherit;font-weight:700;color:#fff;background:var(--accent);border:2px solid var(--accent);border-radius:.4rem;cursor:pointer}
        button.secondary{color:var(--error);background:#fff;border-color:var(--error)}
        :focus-visible{outline:3px solid var(--focus);outline-offset:0;box-shadow:0 0 0 6px var(--ink)}
        a:focus-visible{background:var(--focus);color:var(--ink);box-shadow:none;outline:none;text-decoration:none}
        .summary{border:3px solid var(--error);border-radius:.4rem;padding:.75rem 1rem;margin:1rem 0}
        .summary h2{font-size:1.15rem;margin:0 0 .5rem}
        .summary p{margin:0;font-weight:600}
        .summary ul{margin:0;padding-left:1.25rem}
        .summary a{color:var(--error);font-weight:600}
        .status{font-size:1.2rem;font-weight:700;margin:1rem 0;padding:.75rem 1rem;background:#e8f0fe;border-radius:.4rem}
        .status[data-status=failed],.status[data-status=canceled]{background:#fbe9e7}
        .facts{display:grid;grid-template-columns:auto 1fr;gap:.4rem 1rem;margin:1rem 0}
        .facts dt{font-weight:600}
        .facts dd{margin:0;overflow-wrap:anywhere}
        .facts dd span[aria-hidden]{white-space:nowrap}
        .next{margin:1.25rem 0 0}
        .visually-hidden{position:absolute!important;width:1px;height:1px;margin:-1px;padding:0;border:0;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
        @media (min-width:40rem){button{width:auto}}
        @media (prefers-reduced-motion:no-preference){a,button{transition:background-color .15s}}

        """;
}
