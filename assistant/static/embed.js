/* 政策助手 widget: <script src="https://ASSISTANT-HOST/embed.js" defer></script> adds a floating button
   that opens the chat in an iframe. No key or secret is involved: the chat is a public page. */
(function () {
  var script = document.currentScript;
  if (!script || window.__policyAssistantLoaded) return;
  window.__policyAssistantLoaded = true;
  var origin = new URL(script.src).origin;
  var label = script.getAttribute("data-label") || "政策咨询";

  var button = document.createElement("button");
  button.id = "policy-assistant-launcher";
  button.type = "button";
  button.textContent = label;
  button.setAttribute("aria-label", "打开政策助手");
  button.style.cssText =
    "position:fixed;right:16px;bottom:16px;z-index:2147483646;padding:12px 18px;border:0;border-radius:24px;" +
    "background:#c0392b;color:#fff;font-size:16px;box-shadow:0 2px 8px rgba(0,0,0,.25);cursor:pointer;";

  var frame = null;
  button.addEventListener("click", function () {
    if (!frame) {
      frame = document.createElement("iframe");
      frame.id = "policy-assistant-frame";
      frame.title = "政策助手";
      frame.src = origin + "/chat/";
      frame.style.cssText =
        "position:fixed;right:16px;bottom:72px;z-index:2147483647;border:1px solid #ddd;border-radius:12px;" +
        "background:#fff;width:min(420px,calc(100vw - 32px));height:min(640px,calc(100vh - 96px));" +
        "box-shadow:0 4px 24px rgba(0,0,0,.2);";
      document.body.appendChild(frame);
    } else {
      frame.style.display = frame.style.display === "none" ? "block" : "none";
    }
  });
  document.body.appendChild(button);
})();
