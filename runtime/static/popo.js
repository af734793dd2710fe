// POPO's only script of its own. An htmx change request posts the whole form; this names the
// field whose change triggered it, so that the server saves that field alone and a request
// that arrives late can never overwrite an answer typed after it.
document.addEventListener("htmx:configRequest", function (event) {
  var trigger = event.detail.triggeringEvent;
  var field = trigger && trigger.target;
  if (field && field.name) {
    event.detail.headers["X-POPO-Field"] = field.name;
  }
});
