using Ivr.Api.Callbacks;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Ivr.Api.Tests;

/// <summary>What local mode says about itself at start: nothing that is not so.</summary>
public sealed class LocalModeStartTests
{
    /// <summary>A server that has not started yet: it listens nowhere so far.</summary>
    private sealed class NotYetListening : IServer
    {
        public IFeatureCollection Features { get; } = new FeatureCollection();

        public NotYetListening() => Features.Set<IServerAddressesFeature>(new ServerAddressesFeature());

        public Task StartAsync<TContext>(IHttpApplication<TContext> application, CancellationToken cancellationToken) where TContext : notnull =>
            Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public void Dispose()
        {
        }
    }

    [Fact]
    public async Task InLocalMode_TheDispatcherDoesNotWarnThatCallbacksCannotBePlaced_BeforeTheServerListens()
    {
        var logs = new CollectedLogs();
        // Local mode as `dotnet run` starts it: no Twilio credentials, no public URL.
        await using var factory = new HotlineFactory(settings: new() { ["Ivr:PublicBaseUrl"] = "" },
            services: services => services.AddSingleton<ILoggerProvider>(logs));
        using var client = factory.CreateClient();
        // The dispatcher's first round runs while Kestrel is still starting, with no address to give the simulator.
        var dispatcher = ActivatorUtilities.CreateInstance<CallbackDispatcher>(factory.Services, new NotYetListening());

        await dispatcher.DispatchAsync(CancellationToken.None);

        Assert.DoesNotContain(logs.Lines, l => l.Message.Contains("Callbacks cannot be placed"));
    }
}
