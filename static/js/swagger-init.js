// Starts Swagger UI on /api/v1/docs (templates/swagger_ui.html); no inline script.
(function () {
  "use strict";
  var container = document.getElementById("swagger-ui-container");
  var config = { url: container.dataset.specUrl, dom_id: "#swagger-ui-container" };
  var extra = JSON.parse(container.dataset.config || "{}");
  Object.keys(extra).forEach(function (name) { config[name] = extra[name]; });
  window.addEventListener("load", function () { window.ui = SwaggerUIBundle(config); });
})();
