// The article's button opens the chat through the widget's small public API.
document.getElementById("open-chat").addEventListener("click", () => {
  if (window.MetastasisChatWidget && window.MetastasisChatWidget.open) window.MetastasisChatWidget.open();
});
