/* Send a family video in parts, so a dropped mobile connection loses at most one part.
 *
 * The form's POST still works without this script (one request with the whole file). With it: the
 * page opens an upload (size and the prompt's answers), POSTs parts with Content-Range, and on a
 * network error waits, asks the server how much arrived (GET), and carries on from there. The
 * upload's address is kept in localStorage, so choosing the same file again after the page was
 * closed resumes it. Finishing twice gives one video (the server returns the first).
 */
(function () {
  "use strict";
  var form = document.getElementById("video-form");
  if (!form || !window.fetch || !window.Blob || !Blob.prototype.slice) return;

  var camera = document.getElementById("id_camera");
  var gallery = document.getElementById("id_gallery");
  var chosen = document.getElementById("video-chosen");
  var progress = document.getElementById("video-progress");
  var bar = document.getElementById("video-progress-bar");
  var text = document.getElementById("video-progress-text");
  var errorBox = document.getElementById("video-error");
  var errorText = document.getElementById("video-error-text");
  var send = document.getElementById("video-send");
  var chunkBytes = parseInt(form.dataset.chunkBytes, 10) || 2 * 1024 * 1024;
  var csrf = form.querySelector("input[name=csrfmiddlewaretoken]").value;
  var busy = false;

  function file() {
    return (camera.files && camera.files[0]) || (gallery.files && gallery.files[0]) || null;
  }
  function mb(n) {
    return n < 1024 * 1024 ? Math.max(1, Math.round(n / 1024)) + " KB" : (n / (1024 * 1024)).toFixed(1) + " MB";
  }
  function showChosen() {
    var f = file();
    chosen.textContent = f ? "Chosen: " + f.name + " (" + mb(f.size) + ")" : "No video chosen yet.";
  }
  camera.addEventListener("change", function () { if (camera.files.length) gallery.value = ""; showChosen(); });
  gallery.addEventListener("change", function () { if (gallery.files.length) camera.value = ""; showChosen(); });
  form.dataset.ready = "true"; // the deferred script is listening (a test waits for this, not a timeout)
  showChosen(); // a file chosen before the script ran is shown too

  function fail(message) {
    busy = false;
    send.disabled = false;
    progress.hidden = true;
    errorText.textContent = message;
    errorBox.hidden = false;
    errorBox.focus();
  }
  function status(sent, total, note) {
    progress.hidden = false;
    bar.value = total ? Math.floor((sent / total) * 100) : 0;
    bar.textContent = bar.value + "%";
    text.textContent = note || ("Sent " + mb(sent) + " of " + mb(total) + ". Keep this page open.");
  }
  function storeKey(f) { return "cc-video:" + form.dataset.child + ":" + f.name + ":" + f.size + ":" + f.lastModified; }
  function sleep(ms) { return new Promise(function (resolve) { setTimeout(resolve, ms); }); }
  function refusal(body) {
    return (body && body.error && body.error.message) || "Something went wrong. Try again.";
  }
  function json(response) {
    return response.json().catch(function () { return {}; }).then(function (body) {
      return { ok: response.ok, status: response.status, body: body };
    });
  }
  function digest(blob) {
    if (!(window.crypto && crypto.subtle && blob.arrayBuffer)) return Promise.resolve("");
    return blob.arrayBuffer().then(function (buf) { return crypto.subtle.digest("SHA-256", buf); })
      .then(function (hash) {
        return Array.prototype.map.call(new Uint8Array(hash), function (b) {
          return ("0" + b.toString(16)).slice(-2);
        }).join("");
      }).catch(function () { return ""; });
  }

  function start(f) {
    var saved = null;
    try { saved = JSON.parse(localStorage.getItem(storeKey(f)) || "null"); } catch (e) { saved = null; }
    var resume = saved ? fetch(saved.url, { credentials: "same-origin" }).then(json) : Promise.resolve(null);
    return resume.then(function (r) {
      if (r && r.ok && r.body.status === "open") return r.body;
      var data = new FormData();
      data.append("size", String(f.size));
      data.append("note", form.elements.note.value);
      data.append("seen_at", form.elements.seen_at.value);
      if (form.elements.share_with_family.checked) data.append("share_with_family", "on");
      return fetch(form.dataset.startUrl, {
        method: "POST", body: data, credentials: "same-origin", headers: { "X-CSRFToken": csrf }
      }).then(json).then(function (r) {
        if (!r.ok) throw { refused: refusal(r.body) };
        try { localStorage.setItem(storeKey(f), JSON.stringify(r.body)); } catch (e) { /* private mode */ }
        return r.body;
      });
    });
  }

  function sendFrom(f, upload, offset, waitMs) {
    status(offset, f.size);
    if (offset >= f.size) return finish(f, upload);
    var part = f.slice(offset, Math.min(offset + chunkBytes, f.size));
    return digest(part).then(function (sha) {
      var headers = {
        "X-CSRFToken": csrf,
        "Content-Type": "application/octet-stream",
        "Content-Range": "bytes " + offset + "-" + (offset + part.size - 1) + "/" + f.size
      };
      if (sha) headers["X-Content-SHA256"] = sha;
      return fetch(upload.url, { method: "POST", body: part, credentials: "same-origin", headers: headers });
    }).then(json).then(function (r) {
      if (r.ok) return sendFrom(f, upload, r.body.offset, 1000);
      if (r.status === 409 && typeof r.body.offset === "number") return sendFrom(f, upload, r.body.offset, 1000);
      if (r.status >= 500) throw { retry: true };
      try { localStorage.removeItem(storeKey(f)); } catch (e) { /* ignore */ }
      throw { refused: refusal(r.body) };
    }, function () { throw { retry: true }; }).catch(function (problem) {
      if (!problem || !problem.retry) throw problem;
      // The connection dropped: wait (longer each time, at most 30 s), then ask how much arrived.
      status(offset, f.size, "The connection dropped. We will carry on sending when it is back…");
      return sleep(waitMs).then(function () {
        return fetch(upload.url, { credentials: "same-origin" }).then(json);
      }).then(function (r) {
        if (r.ok) return sendFrom(f, upload, r.body.offset, Math.min(waitMs * 2, 30000));
        throw { refused: "We lost the video part way. Choose it again to start over." };
      }, function () {
        return sendFrom(f, upload, offset, Math.min(waitMs * 2, 30000));
      });
    });
  }

  function finish(f, upload) {
    status(f.size, f.size, "Nearly done…");
    return fetch(upload.finish_url, {
      method: "POST", credentials: "same-origin", headers: { "X-CSRFToken": csrf }
    }).then(json).then(function (r) {
      if (!r.ok) throw { refused: refusal(r.body) };
      try { localStorage.removeItem(storeKey(f)); } catch (e) { /* ignore */ }
      window.location.assign(r.body.video_url);
    });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    if (busy) return;
    var f = file();
    errorBox.hidden = true;
    if (!f) { fail("Record a video, or choose one from your gallery."); return; }
    busy = true;
    send.disabled = true;
    status(0, f.size, "Starting…");
    start(f).then(function (upload) {
      return sendFrom(f, upload, upload.offset, 1000);
    }).catch(function (problem) {
      fail((problem && problem.refused) || "We could not send the video. Check your connection and try again.");
    });
  });
})();
