// skdeepnn's additions to the pydata theme (conf.py: html_js_files).
//
// The example gallery's figures open full size: each one becomes a link to its image
// file, the largest that sphinx-gallery wrote (its srcset lists a 2x copy).
document.addEventListener("DOMContentLoaded", function () {
  var figures = document.querySelectorAll("img.sphx-glr-single-img, img.sphx-glr-multi-img");
  figures.forEach(function (img) {
    if (img.closest("a")) {
      return;
    }
    var href = img.getAttribute("src");
    var best = 1;
    (img.getAttribute("srcset") || "").split(",").forEach(function (candidate) {
      var parts = candidate.trim().split(/\s+/);
      var scale = parseFloat((parts[1] || "1x").replace("x", ""));
      if (parts[0] && scale > best) {
        best = scale;
        href = parts[0];
      }
    });
    var link = document.createElement("a");
    link.href = href;
    link.className = "skdeepnn-figure-link";
    link.title = "Open the figure full size";
    img.parentNode.insertBefore(link, img);
    link.appendChild(img);
  });
});
