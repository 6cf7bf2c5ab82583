using Ivr.Api.Voice;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Ivr.Api.Tests.Voice;

public class TwilioSignatureTests
{
    private const string Token = "12345";

    // The form used by the official SDKs' test suites (twilio-csharp RequestValidatorTest, twilio-python
    // test_request_validator.py, twilio-node spec/validation.spec.js).
    private const string SdkUrl = "https://mycompany.com/myapp.php?foo=1&bar=2";
    private const string SdkSignature = "RSOYDt4T1cUTdK1PDd93/VVr8B8=";

    private static readonly KeyValuePair<string, string?>[] SdkParams = Fields(
        ("CallSid", "CA1234567890ABCDE"),
        ("From", "+14158675309"),
        ("Digits", "1234"),
        ("To", "+18005551212"),
        ("Caller", "+14158675309"));

    [Fact]
    public void Compute_MatchesWorkedExampleFromTwilioSecurityPage()
    {
        var parameters = Fields(
            ("Digits", "1234"),
            ("To", "+18005551212"),
            ("From", "+14158675310"),
            ("Caller", "+14158675310"),
            ("CallSid", "CA1234567890ABCDE"));

        var signature = TwilioSignature.Compute(Token, "https://example.com/myapp.php?foo=1&bar=2", parameters);

        Assert.Equal("L/OH5YylLD5NRKLltdqwSvS0BnU=", signature);
    }

    [Fact]
    public void Compute_MatchesSdkVector()
    {
        Assert.Equal(SdkSignature, TwilioSignature.Compute(Token, SdkUrl, SdkParams));
        Assert.True(TwilioSignature.IsValid(Token, SdkUrl, SdkParams, SdkSignature));
    }

    [Theory]
    // Signatures from the SDK suites, each over the URL as written plus the SDK form.
    [InlineData("https://mycompany.com:443/myapp.php?foo=1&bar=2", "kvajT1Ptam85bY51eRf/AJRuM3w=")]
    [InlineData("http://mycompany.com:80/myapp.php?foo=1&bar=2", "0ZXoZLH/DfblKGATFgpif+LLRf4=")]
    [InlineData("http://mycompany.com:1234/myapp.php?foo=1&bar=2", "Zmvh+3yNM1Phv2jhDCwEM3q5ebU=")]
    [InlineData("https://user:pass@mycompany.com/myapp.php?foo=1&bar=2", "CukzLTc1tT5dXEDIHm/tKBanW10=")]
    [InlineData("https://user@mycompany.com/myapp.php?foo=1&bar=2", "2YRLlVAflCqxaNicjMpJcSTgzSs=")]
    [InlineData("https://user:pass@mycompany.com:443/myapp.php?foo=1&bar=2", "ZQFR1PTIZXF2MXB8ZnKCvnnA+rI=")]
    [InlineData("https://mycompany.com/myapp.php?foo=1&bar=2&Body=It's+amazing", "dsq4Ehbj6cs+KdTkpF5sSSplOWw=")]
    public void Compute_MatchesSdkVectorsForUrlForms(string url, string expected)
    {
        Assert.Equal(expected, TwilioSignature.Compute(Token, url, SdkParams));
    }

    [Theory]
    // The SDK suites' port cases: a URL validates against the signature of its port variant.
    [InlineData(SdkUrl, "kvajT1Ptam85bY51eRf/AJRuM3w=")] // https: adds :443
    [InlineData("http://mycompany.com/myapp.php?foo=1&bar=2", "0ZXoZLH/DfblKGATFgpif+LLRf4=")] // http: adds :80
    [InlineData("https://mycompany.com:1234/myapp.php?foo=1&bar=2", SdkSignature)] // removes a port
    [InlineData("https://mycompany.com:443/myapp.php?foo=1&bar=2", SdkSignature)]
    [InlineData("http://mycompany.com:1234/myapp.php?foo=1&bar=2", "Zmvh+3yNM1Phv2jhDCwEM3q5ebU=")] // as given
    [InlineData("https://user:pass@mycompany.com/myapp.php?foo=1&bar=2", "ZQFR1PTIZXF2MXB8ZnKCvnnA+rI=")] // keeps userinfo
    public void IsValid_AcceptsUrlOrItsPortVariant(string url, string signature)
    {
        Assert.True(TwilioSignature.IsValid(Token, url, SdkParams, signature));
    }

    [Fact]
    public void IsValid_DoesNotAcceptOtherPorts()
    {
        var signedWith8443 = TwilioSignature.Compute(Token, "https://mycompany.com:8443/myapp.php?foo=1&bar=2", SdkParams);

        Assert.False(TwilioSignature.IsValid(Token, SdkUrl, SdkParams, signedWith8443));
    }

    [Theory]
    [InlineData("https://a.example/x", "https://a.example:443/x")]
    [InlineData("HTTPS://A.Example/x?q=1", "HTTPS://A.Example:443/x?q=1")]
    [InlineData("http://a.example", "http://a.example:80")]
    [InlineData("http://a.example?x=1", "http://a.example:80?x=1")]
    [InlineData("https://a.example:8443/x:y", "https://a.example/x:y")]
    [InlineData("https://u:p@a.example/x", "https://u:p@a.example:443/x")]
    [InlineData("https://u:p@a.example:443/x", "https://u:p@a.example/x")]
    [InlineData("https://[::1]/x", "https://[::1]:443/x")]
    [InlineData("https://[::1]:5001/x", "https://[::1]/x")]
    public void PortVariant_TogglesTheExplicitPortOnly(string url, string expected)
    {
        Assert.Equal(expected, TwilioSignature.PortVariant(url));
    }

    [Theory]
    [InlineData("ftp://a.example/x")]
    [InlineData("/voice/incoming")]
    public void PortVariant_IsNullWithoutAKnownScheme(string url)
    {
        Assert.Null(TwilioSignature.PortVariant(url));
    }

    [Fact]
    public void IsValid_PreservesHostCase()
    {
        // The SDK vectors: an uppercase host must not validate against the lowercase URL's signature.
        Assert.False(TwilioSignature.IsValid(Token, "https://MyCompany.com/myapp.php?foo=1&bar=2", SdkParams, SdkSignature));
        Assert.NotEqual(SdkSignature, TwilioSignature.Compute(Token, "https://MyCompany.com/myapp.php?foo=1&bar=2", SdkParams));
    }

    [Fact]
    public void Compute_SortsKeysOrdinally()
    {
        var parameters = Fields(("callSid", "c"), ("CallSid", "b"), ("CALLSID", "a"));

        var expected = Hmac("https://x/y" + "CALLSIDa" + "CallSidb" + "callSidc");

        Assert.Equal(expected, TwilioSignature.Compute("t", "https://x/y", parameters));
    }

    [Fact]
    public void Compute_ShorterKeySortsFirst()
    {
        var parameters = Fields(("ReasonConferenceEnded", "2"), ("Reason", "1"));

        Assert.Equal(Hmac("https://x/y" + "Reason1" + "ReasonConferenceEnded2"), TwilioSignature.Compute("t", "https://x/y", parameters));
    }

    [Fact]
    public void Compute_RepeatedKeysContributeEachDistinctValueInOrder()
    {
        // twilio-python and twilio-node vector (MultiDict / array values).
        var parameters = Fields(("Sid", "CA123"), ("SidAccount", "AC123"), ("Digits", "5678"), ("Digits", "1234"), ("Digits", "1234"));

        Assert.Equal("IK+Dwps556ElfBT0I3Rgjkr1wJU=", TwilioSignature.Compute(Token, SdkUrl, parameters));
    }

    [Fact]
    public void Compute_ArrayValuesIgnoreTheirOrder()
    {
        // twilio-node vector.
        var ascending = Fields(("MessagingBinding.Address", "+1325xxxxxxx"), ("MessagingBinding.Address", "+1415xxxxxxx"));
        var descending = Fields(("MessagingBinding.Address", "+1415xxxxxxx"), ("MessagingBinding.Address", "+1325xxxxxxx"));

        Assert.Equal("83O6e2vORAoJHUNzJjDWN1jz+BA=", TwilioSignature.Compute(Token, SdkUrl, ascending));
        Assert.Equal("83O6e2vORAoJHUNzJjDWN1jz+BA=", TwilioSignature.Compute(Token, SdkUrl, descending));
    }

    [Fact]
    public void Compute_WithNoParametersSignsTheUrlOnly()
    {
        // twilio-node/python vector: a JSON webhook is signed over the URL carrying bodySHA256, with no fields.
        const string url = SdkUrl + "&bodySHA256=0a1ff7634d9ab3b95db5c9a2dfe9416e41502b283a80c7cf19632632f96e6620";

        Assert.Equal("a9nBmqA0ju/hNViExpshrM61xv4=", TwilioSignature.Compute(Token, url, []));
        Assert.True(TwilioSignature.IsValid(Token, url, [], "a9nBmqA0ju/hNViExpshrM61xv4="));
    }

    [Fact]
    public void Compute_NullOrEmptyValueContributesTheKeyOnly()
    {
        var expected = Hmac("https://x/y" + "FinishedOnKey" + "SpeechResult");

        Assert.Equal(expected, TwilioSignature.Compute("t", "https://x/y", Fields(("SpeechResult", null), ("FinishedOnKey", ""))));
    }

    [Fact]
    public void Compute_KeepsAnEncodedQueryEncoded()
    {
        const string url = "https://x/voice?message=hello%20world&type=test%2Bvalue";

        Assert.Equal(Hmac(url), TwilioSignature.Compute("t", url, []));
        Assert.NotEqual(
            TwilioSignature.Compute("t", url, []),
            TwilioSignature.Compute("t", "https://x/voice?message=hello world&type=test+value", []));
    }

    [Fact]
    public void Compute_SignsPolishCharactersAsUtf8()
    {
        var parameters = Fields(("SpeechResult", "Zażółć gęślą jaźń"));

        Assert.Equal(Hmac("https://x/ySpeechResultZażółć gęślą jaźń"), TwilioSignature.Compute("t", "https://x/y", parameters));
        Assert.True(TwilioSignature.IsValid("t", "https://x/y", parameters, Hmac("https://x/ySpeechResultZażółć gęślą jaźń")));
    }

    [Fact]
    public void IsValid_RejectsWrongToken()
    {
        Assert.False(TwilioSignature.IsValid("54321", SdkUrl, SdkParams, SdkSignature));
    }

    [Fact]
    public void IsValid_RejectsTamperedValue()
    {
        var tampered = SdkParams.Select(p => p.Key == "Digits" ? KeyValuePair.Create(p.Key, (string?)"9") : p).ToList();

        Assert.False(TwilioSignature.IsValid(Token, SdkUrl, tampered, SdkSignature));
    }

    [Fact]
    public void IsValid_RejectsAddedField()
    {
        var extended = SdkParams.Append(KeyValuePair.Create("Extra", (string?)"1")).ToList();

        Assert.False(TwilioSignature.IsValid(Token, SdkUrl, extended, SdkSignature));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("NOTRSOYDt4T1cUTdK1PDd93/VVr8B8=")]
    [InlineData("rsoydt4t1cutdk1pdd93/vvr8b8=")]
    public void IsValid_RejectsMissingOrWrongHeader(string? header)
    {
        Assert.False(TwilioSignature.IsValid(Token, SdkUrl, SdkParams, header));
    }

    private static KeyValuePair<string, string?>[] Fields(params (string Key, string? Value)[] fields) =>
        [.. fields.Select(f => KeyValuePair.Create(f.Key, f.Value))];

    private static string Hmac(string data) =>
        Convert.ToBase64String(System.Security.Cryptography.HMACSHA1.HashData("t"u8, System.Text.Encoding.UTF8.GetBytes(data)));
}

public class TwilioSignatureFilterTests
{
    private const string Token = "filter-token";
    private const string BaseUrl = "https://hotline.example.pl";

    [Fact]
    public async Task ValidFormPost_PassesThrough()
    {
        var context = FormPost("CallSid=CA1&Digits=1&SpeechResult=Za%C5%BC%C3%B3%C5%82%C4%87");
        Sign(context, BaseUrl + "/voice/gather?menu=main",
            ("CallSid", "CA1"), ("Digits", "1"), ("SpeechResult", "Zażółć"));

        var result = await Run(context);

        Assert.Equal("next", result);
    }

    [Fact]
    public async Task TamperedFormPost_Is403AndLogsCallSidAndUrl()
    {
        var context = FormPost("CallSid=CA1&Digits=9");
        Sign(context, BaseUrl + "/voice/gather?menu=main", ("CallSid", "CA1"), ("Digits", "1"));
        var logger = new ListLogger();

        var result = await Run(context, logger: logger);

        Assert.Equal(403, Assert.IsAssignableFrom<IStatusCodeHttpResult>(result).StatusCode);
        var warning = Assert.Single(logger.Messages);
        Assert.Contains("CA1", warning);
        Assert.Contains(BaseUrl + "/voice/gather?menu=main", warning);
    }

    [Fact]
    public async Task MissingHeader_Is403()
    {
        var result = await Run(FormPost("CallSid=CA1"));

        Assert.Equal(403, Assert.IsAssignableFrom<IStatusCodeHttpResult>(result).StatusCode);
    }

    [Fact]
    public async Task SignatureOverTheInternalUrl_Is403WhenABaseUrlIsConfigured()
    {
        var context = FormPost("CallSid=CA1");
        Sign(context, "http://10.0.0.5:8080/voice/gather?menu=main", ("CallSid", "CA1"));

        var result = await Run(context);

        Assert.Equal(403, Assert.IsAssignableFrom<IStatusCodeHttpResult>(result).StatusCode);
    }

    [Fact]
    public async Task WithoutBaseUrl_UsesTheRequestUrl()
    {
        var context = FormPost("CallSid=CA1");
        Sign(context, "http://10.0.0.5:8080/voice/gather?menu=main", ("CallSid", "CA1"));

        var result = await Run(context, baseUrl: null);

        Assert.Equal("next", result);
    }

    [Fact]
    public async Task Get_IsValidatedOverTheUrlOnly()
    {
        var context = Context("GET", "?CallSid=CA1&QueuePosition=3");
        Sign(context, BaseUrl + "/voice/gather?CallSid=CA1&QueuePosition=3");

        Assert.Equal("next", await Run(context));

        var forged = Context("GET", "?CallSid=CA1&QueuePosition=1");
        Sign(forged, BaseUrl + "/voice/gather?CallSid=CA1&QueuePosition=3");
        Assert.Equal(403, Assert.IsAssignableFrom<IStatusCodeHttpResult>(await Run(forged)).StatusCode);
    }

    [Fact]
    public async Task NonFormPost_IsValidatedOverTheUrlOnly()
    {
        var context = Context("POST", "?menu=main");
        context.Request.ContentType = "application/json";
        context.Request.Body = new MemoryStream("""{"CallSid":"CA1"}"""u8.ToArray());
        Sign(context, BaseUrl + "/voice/gather?menu=main");

        Assert.Equal("next", await Run(context));
    }

    [Fact]
    public async Task ValidationOff_PassesThroughUnsigned()
    {
        var result = await Run(FormPost("CallSid=CA1"), validate: false);

        Assert.Equal("next", result);
    }

    private static DefaultHttpContext Context(string method, string query)
    {
        var context = new DefaultHttpContext();
        context.Request.Method = method;
        context.Request.Scheme = "http";
        context.Request.Host = new HostString("10.0.0.5:8080");
        context.Request.Path = "/voice/gather";
        context.Request.QueryString = new QueryString(query);
        return context;
    }

    private static DefaultHttpContext FormPost(string body)
    {
        var context = Context("POST", "?menu=main");
        context.Request.ContentType = "application/x-www-form-urlencoded";
        context.Request.Body = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(body));
        return context;
    }

    private static void Sign(HttpContext context, string url, params (string Key, string? Value)[] fields) =>
        context.Request.Headers[TwilioSignature.HeaderName] =
            TwilioSignature.Compute(Token, url, fields.Select(f => KeyValuePair.Create(f.Key, f.Value)));

    private static async Task<object?> Run(
        HttpContext context, string? baseUrl = BaseUrl, bool validate = true, ILogger<TwilioSignatureFilter>? logger = null)
    {
        var filter = new TwilioSignatureFilter(
            Options.Create(new IvrOptions { PublicBaseUrl = baseUrl, ValidateSignatures = validate }),
            Options.Create(new TwilioOptions { AccountSid = "AC1", AuthToken = Token }),
            logger ?? NullLogger<TwilioSignatureFilter>.Instance);

        return await filter.InvokeAsync(
            new DefaultEndpointFilterInvocationContext(context),
            _ => ValueTask.FromResult<object?>("next"));
    }

    private sealed class ListLogger : ILogger<TwilioSignatureFilter>
    {
        public List<string> Messages { get; } = [];

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(
            LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (logLevel == LogLevel.Warning)
                Messages.Add(formatter(state, exception));
        }
    }
}
