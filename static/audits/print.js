// The print view's "Print or save as PDF" button: shown only when JavaScript can press it;
// without JavaScript the page says to use the browser's own Print command.
for (const button of document.querySelectorAll('.app-print-button')) {
  button.hidden = false
  button.addEventListener('click', () => window.print())
}
for (const hint of document.querySelectorAll('.app-print-hint')) {
  hint.hidden = true
}
