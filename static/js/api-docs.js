// Starts Swagger UI on /docs from the vendored bundle (no CDN: the portal works offline and
// its Content-Security-Policy allows only its own scripts).
window.addEventListener("DOMContentLoaded", function () {
  window.SwaggerUIBundle({ url: "/openapi.json", dom_id: "#swagger-ui", deepLinking: true });
});
