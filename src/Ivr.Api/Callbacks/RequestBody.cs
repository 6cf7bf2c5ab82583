using Microsoft.Net.Http.Headers;

namespace Ivr.Api.Callbacks;

/// <summary>Reads the small bodies of the callback form and API, refusing anything bigger than they can be.</summary>
public static class RequestBody
{
    /// <summary>The most a callback request needs: a number, a department, a language, a consent, a token.</summary>
    public const int MaxBytes = 4096;

    /// <summary>True when the request's Content-Type is <paramref name="mediaType"/> (parameters such as charset aside).</summary>
    public static bool Is(HttpRequest request, string mediaType) =>
        MediaTypeHeaderValue.TryParse(request.ContentType, out var type)
        && type.MediaType.Equals(mediaType, StringComparison.OrdinalIgnoreCase);

    /// <summary>The body, or null when it is longer than <see cref="MaxBytes"/>.</summary>
    public static async Task<byte[]?> ReadAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (request.ContentLength > MaxBytes)
            return null;
        using var body = new MemoryStream();
        var chunk = new byte[1024];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (body.Length + read > MaxBytes)
                return null;
            body.Write(chunk, 0, read);
        }
        return body.ToArray();
    }
}
