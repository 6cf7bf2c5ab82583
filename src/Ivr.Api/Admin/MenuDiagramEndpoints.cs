using Ivr.Api.Menus;

namespace Ivr.Api.Admin;

/// <summary>GET /admin/api/menu/diagram: the live menu drawn as SVG (<see cref="MenuDiagram"/>).</summary>
public static class MenuDiagramEndpoints
{
    public static IEndpointRouteBuilder MapMenuDiagram(this IEndpointRouteBuilder adminApi)
    {
        adminApi.MapGet("/menu/diagram", (MenuCatalog menus) =>
            TypedResults.Text(MenuDiagram.ToSvg(menus.Current), "image/svg+xml; charset=utf-8"));
        return adminApi;
    }
}
