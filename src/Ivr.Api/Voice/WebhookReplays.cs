using System.Data.Common;
using System.Text;
using Dapper;
using Ivr.Api.Persistence;

namespace Ivr.Api.Voice;

/// <summary>
/// Applies a webhook once however often Twilio delivers it. Twilio sends <c>I-Twilio-Idempotency-Token</c> with
/// every webhook, the same on each retry (the connection overrides make it retry a refused, slow or failed one,
/// possibly on another instance). The first delivery claims the token in the database and its answer is stored
/// with it; a repeat gets that very answer, byte for byte, and changes nothing: the first delivery's TwiML is what
/// the call does next, wherever the retry lands. A delivery that fails (an exception, a status other than 2xx)
/// gives the token back, so the retry is applied afresh. Runs after the signature check, so only Twilio's requests
/// claim or read tokens. Tokens are kept <see cref="KeptFor"/>, far longer than Twilio retries.
/// <para>
/// A route marked <see cref="VoiceWebhooks.KeepsItsAnswerInItsStep"/> (a call's step in the menus, the end of a call) claims nothing
/// ahead: its handler stores the token with its answer in the step's own write (<see cref="WebhookDelivery"/>), so
/// the step, the claim and the answer are one commit, and a handler that wrote nothing stores its answer in one
/// write after it. When another delivery of the token got there first, that write is refused and rolled back, and
/// this one answers as a repeat.
/// </para>
/// </summary>
public sealed partial class WebhookReplays(Database database, TimeProvider time, ILogger<WebhookReplays> logger) : IEndpointFilter
{
    public const string HeaderName = "I-Twilio-Idempotency-Token";
    public static readonly TimeSpan KeptFor = TimeSpan.FromMinutes(10);

    /// <summary>A claim this old with no answer belongs to an instance that died mid-request: a retry takes it over.</summary>
    public static readonly TimeSpan AbandonedAfter = TimeSpan.FromSeconds(20);

    /// <summary>How long a retry waits for the first delivery, still being answered elsewhere, before answering 503.</summary>
    private static readonly TimeSpan WaitForFirst = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan LookEvery = TimeSpan.FromMilliseconds(200);
    private const int MaxTokenLength = 128;
    private static readonly TimeSpan TidyEvery = TimeSpan.FromMinutes(1);
    // One per service (a singleton): the last tidy is this database's, not shared by every host in the process.
    private long _nextTidy;

    private sealed class Row
    {
        public string Path { get; set; } = "";
        public long ClaimedAt { get; set; }
        public int? Status { get; set; }
        public string? ContentType { get; set; }
        public string? Body { get; set; }
    }

    private abstract record Claim
    {
        public sealed record Ours : Claim;
        public sealed record Answered(Row Reply) : Claim;
        public sealed record Elsewhere : Claim;
        public sealed record NotForThis : Claim;
    }

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var token = http.Request.Headers[HeaderName].FirstOrDefault();
        if (string.IsNullOrEmpty(token) || token.Length > MaxTokenLength)
            return await next(context);
        var path = http.Request.Path.Value + http.Request.QueryString.Value;

        if (http.GetEndpoint()?.Metadata.GetMetadata<VoiceWebhooks.AnswerKeptInStep>() is not null
            && await AnswerKeptInStepAsync(context, next, token, path) is { } kept)
            return kept;

        var until = time.GetUtcNow() + WaitForFirst;
        while (true)
        {
            switch (await ClaimAsync(token, path, time.GetUtcNow(), http.RequestAborted))
            {
                case Claim.Answered answered:
                    LogReplayed(logger, http.Request.Path.Value ?? "");
                    await ReplayAsync(http, answered.Reply);
                    return Results.Empty;
                case Claim.NotForThis:
                    return await next(context);
                case Claim.Ours:
                    return await AnswerAndKeepAsync(context, next, token);
            }
            // The first delivery is still being answered (Twilio gave up waiting for it): its answer is the one to give.
            if (time.GetUtcNow() >= until)
                return Results.StatusCode(StatusCodes.Status503ServiceUnavailable);
            await Task.Delay(LookEvery, time, http.RequestAborted);
        }
    }

    /// <summary>
    /// Runs a handler that keeps its answer in its step's write (see the class). Null when another delivery of the
    /// token got there first: then nothing of this one was kept, and it is answered as a repeat.
    /// </summary>
    private async Task<object?> AnswerKeptInStepAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next, string token, string path)
    {
        var http = context.HttpContext;
        var delivery = new WebhookDelivery(this, token, path);
        http.Features.Set(delivery);
        try
        {
            var result = await next(context);
            if (delivery.Answer is not null || result is not TwimlResult answer)
                return result;
            // The handler wrote nothing (it refused the request before any step): its answer is kept on its own.
            return await KeepFirstAsync(token, path, answer.Document, http.RequestAborted) ? result : null;
        }
        catch (AnsweredElsewhere)
        {
            return null;
        }
        finally
        {
            // A repeat of this request (below) is answered or claimed by this filter, not by the handler's step.
            http.Features.Set<WebhookDelivery>(null);
        }
    }

    /// <summary>
    /// Stores the first answer to <paramref name="token"/> in the write of <paramref name="transaction"/>; throws
    /// <see cref="AnsweredElsewhere"/> (rolling the write back) when another delivery of the token stored or claimed it first.
    /// </summary>
    internal async Task KeepInStepAsync(DbConnection connection, DbTransaction transaction, string token, string path, string document)
    {
        if (!await InsertAnsweredAsync(connection, transaction, token, path, document, time.GetUtcNow(), CancellationToken.None))
            throw new AnsweredElsewhere();
    }

    private Task<bool> KeepFirstAsync(string token, string path, string document, CancellationToken cancellationToken) =>
        database.WriteAsync((connection, transaction) =>
            InsertAnsweredAsync(connection, transaction, token, path, document, time.GetUtcNow(), cancellationToken), cancellationToken);

    private async Task<bool> InsertAnsweredAsync(DbConnection connection, DbTransaction transaction, string token, string path,
        string document, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var at = now.ToUnixTimeMilliseconds();
        await TidyAsync(connection, transaction, at);
        var inserted = await database.Prepared(connection, transaction,
                """
                INSERT INTO webhook_replies (token, path, claimed_at, expires_at, status, content_type, body)
                VALUES (@token, @path, @at, @expires, 200, @contentType, @body)
                ON CONFLICT (token) DO NOTHING
                """)
            .With("@token", token).With("@path", path).With("@at", at).With("@expires", at + (long)KeptFor.TotalMilliseconds)
            .With("@contentType", TwimlResult.ContentType).With("@body", document)
            .ExecuteNonQueryAsync(cancellationToken);
        return inserted == 1;
    }

    /// <summary>Another delivery of the webhook's token was stored first; the write that found it is rolled back.</summary>
    private sealed class AnsweredElsewhere() : Exception("Another delivery of this webhook was answered first.");

    private async Task<object?> AnswerAndKeepAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next, string token)
    {
        var http = context.HttpContext;
        object? result;
        try
        {
            result = await next(context);
        }
        catch
        {
            await ReleaseAsync(token);
            throw;
        }
        if (result is not IResult executable)
        {
            await ReleaseAsync(token);
            return result;
        }

        // The answer is written to a buffer first, so that what is stored is exactly what Twilio gets.
        var original = http.Response.Body;
        using var buffer = new MemoryStream();
        http.Response.Body = buffer;
        try
        {
            await executable.ExecuteAsync(http);
        }
        catch
        {
            http.Response.Body = original;
            await ReleaseAsync(token);
            throw;
        }
        http.Response.Body = original;
        var body = buffer.ToArray();
        if (http.Response.StatusCode is >= 200 and <= 299)
            await KeepAsync(token, http.Response.StatusCode, http.Response.ContentType, Encoding.UTF8.GetString(body));
        else
            await ReleaseAsync(token);
        await original.WriteAsync(body, http.RequestAborted);
        return Results.Empty;
    }

    private static async Task ReplayAsync(HttpContext http, Row reply)
    {
        http.Response.StatusCode = reply.Status ?? StatusCodes.Status200OK;
        if (reply.ContentType is not null)
            http.Response.ContentType = reply.ContentType;
        if (!string.IsNullOrEmpty(reply.Body))
            await http.Response.WriteAsync(reply.Body, Encoding.UTF8, http.RequestAborted);
    }

    private Task<Claim> ClaimAsync(string token, string path, DateTimeOffset now, CancellationToken cancellationToken) =>
        database.WriteAsync<Claim>(async (connection, transaction) =>
        {
            var at = now.ToUnixTimeMilliseconds();
            await TidyAsync(connection, transaction, at);
            // Claiming and keeping are compiled once on the writer (Prepared), like the step of a call.
            var claimed = await database.Prepared(connection, transaction,
                    """
                    INSERT INTO webhook_replies (token, path, claimed_at, expires_at) VALUES (@token, @path, @at, @expires)
                    ON CONFLICT (token) DO NOTHING
                    """)
                .With("@token", token).With("@path", path).With("@at", at).With("@expires", at + (long)KeptFor.TotalMilliseconds)
                .ExecuteNonQueryAsync(cancellationToken);
            if (claimed == 1)
                return new Claim.Ours();
            var row = await connection.QuerySingleAsync<Row>(
                """
                SELECT path AS Path, claimed_at AS ClaimedAt, status AS Status, content_type AS ContentType, body AS Body
                FROM webhook_replies WHERE token = @token
                """, new { token }, transaction);
            if (row.Path != path)
                return new Claim.NotForThis();
            if (row.Status is not null)
                return new Claim.Answered(row);
            var takenOver = await connection.ExecuteAsync(
                "UPDATE webhook_replies SET claimed_at = @at WHERE token = @token AND claimed_at = @old AND status IS NULL AND claimed_at <= @abandoned",
                new { token, at, old = row.ClaimedAt, abandoned = at - (long)AbandonedAfter.TotalMilliseconds }, transaction);
            return takenOver == 1 ? new Claim.Ours() : new Claim.Elsewhere();
        }, cancellationToken);

    private async Task TidyAsync(DbConnection connection, DbTransaction transaction, long at)
    {
        if (at < Interlocked.Read(ref _nextTidy))
            return;
        Interlocked.Exchange(ref _nextTidy, at + (long)TidyEvery.TotalMilliseconds);
        await connection.ExecuteAsync("DELETE FROM webhook_replies WHERE expires_at <= @at", new { at }, transaction);
    }

    private Task KeepAsync(string token, int status, string? contentType, string body) =>
        database.WriteAsync((connection, transaction) => database.Prepared(connection, transaction,
                "UPDATE webhook_replies SET status = @status, content_type = @contentType, body = @body WHERE token = @token")
            .With("@token", token).With("@status", status).With("@contentType", contentType).With("@body", body)
            .ExecuteNonQueryAsync());

    private Task ReleaseAsync(string token) =>
        database.WriteAsync((connection, transaction) => connection.ExecuteAsync(
            "DELETE FROM webhook_replies WHERE token = @token AND status IS NULL", new { token }, transaction));

    [LoggerMessage(Level = LogLevel.Information, Message = "A repeated webhook to {Path} got the first delivery's answer again")]
    private static partial void LogReplayed(ILogger logger, string path);
}
