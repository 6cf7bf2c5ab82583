using Ivr.Api.Voice;
using Ivr.Simulator;
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

        var signature = Compute(Token, "https://example.com/myapp.php?foo=1&bar=2", parameters);

        Assert.Equal("L/OH5YylLD5NRKLltdqwSvS0BnU=", signature);
    }

    [Fact]
    public void Compute_MatchesSdkVector()
    {
        Assert.Equal(SdkSignature, Compute(Token, SdkUrl, SdkParams));
        Assert.True(TwilioSignatureFilter.IsValid(Token, SdkUrl, SdkParams, SdkSignature));
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
        Assert.Equal(expected, Compute(Token, url, SdkParams));
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
        Assert.True(TwilioSignatureFilter.IsValid(Token, url, SdkParams, signature));
    }

    [Fact]
    public void IsValid_DoesNotAcceptOtherPorts()
    {
        var signedWith8443 = Compute(Token, "https://mycompany.com:8443/myapp.php?foo=1&bar=2", SdkParams);

        Assert.False(TwilioSignatureFilter.IsValid(Token, SdkUrl, SdkParams, signedWith8443));
    }

    [Theory]
    [InlineData("https://a.example/x", "https://a.example:443/x")]
    [InlineData("HTTPS://A.Example/x?q=1", "HTTPS://A.Example:443/x?q=1")]
    // A request's URL always has a path (at least "/"); the SDK's variant of a URL without one adds it.
    [InlineData("http://a.example/", "http://a.example:80/")]
    [InlineData("http://a.example/?x=1", "http://a.example:80/?x=1")]
    [InlineData("https://a.example:8443/x:y", "https://a.example/x:y")]
    [InlineData("https://u:p@a.example/x", "https://u:p@a.example:443/x")]
    [InlineData("https://u:p@a.example:443/x", "https://u:p@a.example/x")]
    [InlineData("https://[::1]/x", "https://[::1]:443/x")]
    [InlineData("https://[::1]:5001/x", "https://[::1]/x")]
    public void PortVariant_TogglesTheExplicitPortOnly(string url, string expected)
    {
        // A request at url validates against Twilio's signature over its port variant.
        Assert.True(TwilioSignatureFilter.IsValid(Token, url, SdkParams, Compute(Token, expected, SdkParams)));
    }

    [Theory]
    [InlineData("ftp://a.example/x", "ftp://a.example:21/x")]
    [InlineData("/voice/incoming", "https://localhost:443/voice/incoming")]
    public void PortVariant_IsNullWithoutAKnownScheme(string url, string other)
    {
        // No variant to try: a signature over another form of the URL is refused, and nothing throws. Twilio calls
        // http(s) URLs only, so such a URL is refused even signed as given.
        Assert.False(TwilioSignatureFilter.IsValid(Token, url, SdkParams, Compute(Token, other, SdkParams)));
        Assert.False(TwilioSignatureFilter.IsValid(Token, url, SdkParams, Compute(Token, url, SdkParams)));
    }

    [Fact]
    public void IsValid_PreservesHostCase()
    {
        // The SDK vectors: an uppercase host must not validate against the lowercase URL's signature.
        Assert.False(TwilioSignatureFilter.IsValid(Token, "https://MyCompany.com/myapp.php?foo=1&bar=2", SdkParams, SdkSignature));
        Assert.NotEqual(SdkSignature, Compute(Token, "https://MyCompany.com/myapp.php?foo=1&bar=2", SdkParams));
    }

    [Fact]
    public void Compute_SortsKeysOrdinally()
    {
        var parameters = Fields(("callSid", "c"), ("CallSid", "b"), ("CALLSID", "a"));

        var expected = Hmac("https://x/y" + "CALLSIDa" + "CallSidb" + "callSidc");

        Assert.Equal(expected, Compute("t", "https://x/y", parameters));
    }

    [Fact]
    public void Compute_ShorterKeySortsFirst()
    {
        var parameters = Fields(("ReasonConferenceEnded", "2"), ("Reason", "1"));

        Assert.Equal(Hmac("https://x/y" + "Reason1" + "ReasonConferenceEnded2"), Compute("t", "https://x/y", parameters));
    }

    [Fact]
    public void Compute_RepeatedKeysContributeEachDistinctValueInOrder()
    {
        // twilio-python and twilio-node vector (MultiDict / array values).
        var parameters = Fields(("Sid", "CA123"), ("SidAccount", "AC123"), ("Digits", "5678"), ("Digits", "1234"), ("Digits", "1234"));

        Assert.Equal("IK+Dwps556ElfBT0I3Rgjkr1wJU=", Compute(Token, SdkUrl, parameters));
    }

    [Fact]
    public void Compute_ArrayValuesIgnoreTheirOrder()
    {
        // twilio-node vector.
        var ascending = Fields(("MessagingBinding.Address", "+1325xxxxxxx"), ("MessagingBinding.Address", "+1415xxxxxxx"));
        var descending = Fields(("MessagingBinding.Address", "+1415xxxxxxx"), ("MessagingBinding.Address", "+1325xxxxxxx"));

        Assert.Equal("83O6e2vORAoJHUNzJjDWN1jz+BA=", Compute(Token, SdkUrl, ascending));
        Assert.Equal("83O6e2vORAoJHUNzJjDWN1jz+BA=", Compute(Token, SdkUrl, descending));
    }

    [Fact]
    public void Compute_WithNoParametersSignsTheUrlOnly()
    {
        // twilio-node/python vector: a JSON webhook is signed over the URL carrying bodySHA256, with no fields.
        const string url = SdkUrl + "&bodySHA256=0a1ff7634d9ab3b95db5c9a2dfe9416e41502b283a80c7cf19632632f96e6620";

        Assert.Equal("a9nBmqA0ju/hNViExpshrM61xv4=", Compute(Token, url, []));
        Assert.True(TwilioSignatureFilter.IsValid(Token, url, [], "a9nBmqA0ju/hNViExpshrM61xv4="));
    }

    [Fact]
    public void Compute_NullOrEmptyValueContributesTheKeyOnly()
    {
        var expected = Hmac("https://x/y" + "FinishedOnKey" + "SpeechResult");

        Assert.Equal(expected, Compute("t", "https://x/y", Fields(("SpeechResult", null), ("FinishedOnKey", ""))));
    }

    [Fact]
    public void Compute_KeepsAnEncodedQueryEncoded()
    {
        const string url = "https://x/voice?message=hello%20world&type=test%2Bvalue";

        Assert.Equal(Hmac(url), Compute("t", url, []));
        Assert.NotEqual(
            Compute("t", url, []),
            Compute("t", "https://x/voice?message=hello world&type=test+value", []));
    }

    [Fact]
    public void Compute_SignsPolishCharactersAsUtf8()
    {
        var parameters = Fields(("SpeechResult", "Zażółć gęślą jaźń"));

        Assert.Equal(Hmac("https://x/ySpeechResultZażółć gęślą jaźń"), Compute("t", "https://x/y", parameters));
        Assert.True(TwilioSignatureFilter.IsValid("t", "https://x/y", parameters, Hmac("https://x/ySpeechResultZażółć gęślą jaźń")));
    }

    [Fact]
    public void IsValid_RejectsWrongToken()
    {
        Assert.False(TwilioSignatureFilter.IsValid("54321", SdkUrl, SdkParams, SdkSignature));
    }

    [Fact]
    public void IsValid_RejectsTamperedValue()
    {
        var tampered = SdkParams.Select(p => p.Key == "Digits" ? KeyValuePair.Create(p.Key, (string?)"9") : p).ToList();

        Assert.False(TwilioSignatureFilter.IsValid(Token, SdkUrl, tampered, SdkSignature));
    }

    [Fact]
    public void IsValid_RejectsAddedField()
    {
        var extended = SdkParams.Append(KeyValuePair.Create("Extra", (string?)"1")).ToList();

        Assert.False(TwilioSignatureFilter.IsValid(Token, SdkUrl, extended, SdkSignature));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("NOTRSOYDt4T1cUTdK1PDd93/VVr8B8=")]
    [InlineData("rsoydt4t1cutdk1pdd93/vvr8b8=")]
    public void IsValid_RejectsMissingOrWrongHeader(string? header)
    {
        Assert.False(TwilioSignatureFilter.IsValid(Token, SdkUrl, SdkParams, header));
    }

    [Theory]
    [InlineData("https://hotline.test/voice/incoming")]
    [InlineData("https://hotline.test/voice/gather?menu=main&step=2")]
    [InlineData("https://hotline.test:443/voice/gather?menu=main")]
    [InlineData("http://127.0.0.1:5000/voice/queue/wait?department=orders&attempt=1")]
    [InlineData("https://hotline.test/voice/callbacks/7/answer?number=%2B48601234567")]
    public void SimulatorSignatures_AreAcceptedByTheSdkValidator(string url)
    {
        // What the simulator signs in Twilio's place passes the Twilio SDK's own check, not only ours.
        var form = new Dictionary<string, string>
        {
            ["CallSid"] = "CA0123456789abcdef0123456789abcdef", ["AccountSid"] = "AC00000000000000000000000000000000",
            ["From"] = "+48601234567", ["To"] = "+48221234567", ["CallStatus"] = "in-progress", ["Digits"] = "1",
            ["SpeechResult"] = "Zażółć gęślą jaźń", ["ApiVersion"] = "2010-04-01", ["Direction"] = "inbound",
        };
        var signature = RequestSigner.Sign(Token, url, form);

        Assert.True(new global::Twilio.Security.RequestValidator(Token).Validate(url, form, signature));
        Assert.True(TwilioSignatureFilter.IsValid(Token, url, form.Select(f => KeyValuePair.Create(f.Key, (string?)f.Value)), signature));
        // A GET webhook is signed over its URL alone.
        Assert.True(new global::Twilio.Security.RequestValidator(Token).Validate(url, new Dictionary<string, string>(), RequestSigner.Sign(Token, url, [])));
    }

    [Fact]
    public void IsValid_IgnoresTheConnectionOverridesFragment_WhichTwilioNeitherSendsNorSigns()
    {
        Assert.True(TwilioSignatureFilter.IsValid(Token, SdkUrl + "#ct=2000&rc=3", SdkParams, SdkSignature));
        Assert.False(TwilioSignatureFilter.IsValid(Token, SdkUrl, SdkParams, Compute(Token, SdkUrl + "#ct=2000&rc=3", SdkParams)));
    }

    [Fact]
    public void IsValid_RefusesARepeatedField_WhichTwilioNeverSendsToAVoiceWebhook()
    {
        var repeated = Fields(("CallSid", "CA1"), ("Digits", "1"), ("Digits", "2"));

        Assert.False(TwilioSignatureFilter.IsValid(Token, SdkUrl, repeated, Compute(Token, SdkUrl, repeated)));
    }

    private static KeyValuePair<string, string?>[] Fields(params (string Key, string? Value)[] fields) =>
        [.. fields.Select(f => KeyValuePair.Create(f.Key, f.Value))];

    /// <summary>Twilio's signature, as the simulator (playing Twilio) computes it.</summary>
    internal static string Compute(string token, string url, IEnumerable<KeyValuePair<string, string?>> fields) =>
        RequestSigner.Sign(token, url, fields.Select(f => KeyValuePair.Create(f.Key, f.Value ?? "")));

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
        context.Request.Headers[TwilioSignatureFilter.HeaderName] =
            TwilioSignatureTests.Compute(Token, url, fields.Select(f => KeyValuePair.Create(f.Key, f.Value)));

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
