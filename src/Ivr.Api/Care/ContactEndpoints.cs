using Ivr.Flows.Engine;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Ivr.Api.Care;

/// <summary>GET /admin/api/contacts/{number}: a caller's contact history, for the console's contact page.</summary>
public static class ContactEndpoints
{
    /// <summary>The history of one number: contacts newest first, and how many came in the last seven days.</summary>
    public sealed record ContactsView(string Number, DateTimeOffset At, int ContactsLastSevenDays, IReadOnlyList<Contact> Contacts);

    public static IEndpointRouteBuilder MapContacts(this IEndpointRouteBuilder admin)
    {
        admin.MapGet("/contacts/{number}", async Task<Results<Ok<ContactsView>, ProblemHttpResult>> (
            string number, ContactStore contacts, TimeProvider time, CancellationToken ct) =>
        {
            var trimmed = number.Trim();
            if (!ContactStore.IsE164(trimmed))
            {
                return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Not an E.164 phone number",
                    detail: "Give the number as + and the country code, then 8 to 15 digits in all, no spaces: /admin/api/contacts/+48221234567.");
            }
            var now = time.GetUtcNow();
            var history = await contacts.HistoryAsync(trimmed, now, ct);
            return TypedResults.Ok(new ContactsView(trimmed, now, ContactStore.CountSince(history, now.AddDays(-7)), history));
        });
        return admin;
    }

    /// <summary>The whisper's sentence about a caller's history; null for a first contact.</summary>
    public static string? WhisperSentence(IReadOnlyList<Contact> history, string callSid, DateTimeOffset now,
        Func<string, string> departmentTitle, string language)
    {
        var weekAgo = now.AddDays(-7);
        if (ContactStore.LastWithDepartment(history, callSid, weekAgo, now) is not { } previous)
            return null;
        return SpokenHistory.Whisper(Math.Max(2, ContactStore.CountSince(history, weekAgo)), previous, departmentTitle(previous.Department), language);
    }
}
