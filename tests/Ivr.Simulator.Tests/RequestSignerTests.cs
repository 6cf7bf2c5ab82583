namespace Ivr.Simulator.Tests;

public class RequestSignerTests
{
    // The worked example from Twilio's security page.
    private const string Url = "https://example.com/myapp.php?foo=1&bar=2";
    private static readonly Dictionary<string, string> Form = new()
    {
        ["Digits"] = "1234", ["To"] = "+18005551212", ["From"] = "+14158675310", ["Caller"] = "+14158675310", ["CallSid"] = "CA1234567890ABCDE",
    };

    [Fact]
    public void Sign_TwilioWorkedExample_MatchesPublishedSignature() =>
        Assert.Equal("L/OH5YylLD5NRKLltdqwSvS0BnU=", RequestSigner.Sign("12345", Url, Form));

    [Fact]
    public void IsValid_TamperedParameterOrWrongToken_IsRejected()
    {
        Assert.True(RequestSigner.IsValid("12345", Url, Form, "L/OH5YylLD5NRKLltdqwSvS0BnU="));
        Assert.False(RequestSigner.IsValid("12345", Url, new Dictionary<string, string>(Form) { ["Digits"] = "1235" }, "L/OH5YylLD5NRKLltdqwSvS0BnU="));
        Assert.False(RequestSigner.IsValid("54321", Url, Form, "L/OH5YylLD5NRKLltdqwSvS0BnU="));
        Assert.False(RequestSigner.IsValid("12345", Url, Form, null));
    }

    [Fact]
    public void Sign_SortsKeysOrdinally_UppercaseFirst()
    {
        var sorted = RequestSigner.Sign("t", "https://x", [new("B", "1"), new("a", "2")]);
        Assert.Equal(RequestSigner.Sign("t", "https://xB1a2", []), sorted);
    }
}
