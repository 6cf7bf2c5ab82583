namespace Ivr.Browser.Tests;

[Collection(BrowserCollection.Name)]
public sealed class SmokeTests(Chromium chromium)
{
    [Fact]
    public async Task The_browser_reaches_the_running_service()
    {
        await using var hotline = new LiveHotline();
        var page = await chromium.NewPageAsync();

        var response = await page.GotoAsync(hotline.Url("/healthz"));

        Assert.Equal(200, response!.Status);
        Assert.Contains("menuVersion", await page.ContentAsync());
    }
}
