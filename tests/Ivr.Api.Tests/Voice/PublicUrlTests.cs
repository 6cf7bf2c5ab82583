using Ivr.Api.Voice;
using Microsoft.AspNetCore.Http;

namespace Ivr.Api.Tests.Voice;

public class PublicUrlTests
{
    [Theory]
    [InlineData("https://hotline.example.pl")]
    [InlineData("https://hotline.example.pl/")]
    public void For_WithBaseUrl_UsesBaseThenPathAndQuery(string baseUrl)
    {
        var request = Request("http", "10.0.0.5:8080", "/voice/gather", "?menu=main");

        Assert.Equal("https://hotline.example.pl/voice/gather?menu=main", PublicUrl.For(request, baseUrl));
    }

    [Fact]
    public void For_WithBaseUrlPathPrefix_KeepsThePrefix()
    {
        var request = Request("http", "localhost:5000", "/voice/incoming", "");

        Assert.Equal("https://shop.example.pl/ivr/voice/incoming", PublicUrl.For(request, "https://shop.example.pl/ivr/"));
    }

    [Fact]
    public void For_WithBaseUrl_IgnoresTheRequestPathBase()
    {
        var request = Request("http", "localhost:5000", "/voice/incoming", "", pathBase: "/internal");

        Assert.Equal("https://shop.example.pl/ivr/voice/incoming", PublicUrl.For(request, "https://shop.example.pl/ivr"));
    }

    [Fact]
    public void For_KeepsTheQueryExactlyAsReceived()
    {
        var request = Request("https", "h.example", "/voice/wait", "?message=hello%20world&type=test%2Bvalue&q=%c5%bc");

        Assert.Equal("https://h.example/voice/wait?message=hello%20world&type=test%2Bvalue&q=%c5%bc", PublicUrl.For(request, null));
    }

    [Fact]
    public void For_WithoutBaseUrl_UsesSchemeHostPathBaseAndPath()
    {
        var request = Request("https", "Hotline.Example.pl:8443", "/voice/gather", "?step=2", pathBase: "/ivr");

        Assert.Equal("https://Hotline.Example.pl:8443/ivr/voice/gather?step=2", PublicUrl.For(request, null));
        Assert.Equal("https://Hotline.Example.pl:8443/ivr/voice/gather?step=2", PublicUrl.For(request, " "));
    }

    [Fact]
    public void For_ReescapesDecodedPathCharacters()
    {
        var request = Request("https", "h.example", "/voice/a b", "");

        Assert.Equal("https://h.example/voice/a%20b", PublicUrl.For(request, null));
    }

    [Theory]
    [InlineData("https://hotline.example.pl/", "/voice/gather?menu=main", "https://hotline.example.pl/voice/gather?menu=main")]
    [InlineData("https://hotline.example.pl/ivr", "voice/gather", "https://hotline.example.pl/ivr/voice/gather")]
    [InlineData(null, "/voice/queue-wait?queue=sales", "http://localhost:5000/base/voice/queue-wait?queue=sales")]
    public void Action_BuildsAbsoluteUrlsFromTheSameBase(string? baseUrl, string pathAndQuery, string expected)
    {
        var request = Request("http", "localhost:5000", "/voice/incoming", "?x=1", pathBase: "/base");

        Assert.Equal(expected, PublicUrl.Action(baseUrl, request, pathAndQuery));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("https://hotline.example.pl/ivr/")]
    public void Action_AgreesWithFor(string? baseUrl)
    {
        var emitting = Request("http", "localhost:5000", "/voice/incoming", "");
        var action = PublicUrl.Action(baseUrl, emitting, "/voice/gather?menu=main");

        var following = Request("http", "localhost:5000", "/voice/gather", "?menu=main");

        Assert.Equal(action, PublicUrl.For(following, baseUrl));
    }

    internal static HttpRequest Request(string scheme, string host, string path, string query, string pathBase = "")
    {
        var request = new DefaultHttpContext().Request;
        request.Scheme = scheme;
        request.Host = new HostString(host);
        request.PathBase = new PathString(pathBase);
        request.Path = new PathString(path);
        request.QueryString = new QueryString(query);
        return request;
    }
}
