// synthscope pages: upload progress on the check form, and a job page that updates itself.
"use strict";

function pollJob(box) {
  const bar = document.getElementById("job-progress");
  const url = box.dataset.statusUrl;
  const tick = () => {
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then((r) => r.json())
      .then((job) => {
        if (bar) bar.value = job.progress || 0;
        if (job.status === "queued" || job.status === "running") {
          setTimeout(tick, 700);
        } else {
          window.location.reload();
        }
      })
      .catch(() => setTimeout(tick, 2000));
  };
  setTimeout(tick, 300);
}

function uploadWithProgress(form) {
  const bar = document.getElementById("upload-progress");
  form.addEventListener("submit", (event) => {
    if (!window.XMLHttpRequest || !window.FormData) return;
    event.preventDefault();
    const xhr = new XMLHttpRequest();
    xhr.open("POST", form.action);
    xhr.upload.addEventListener("progress", (e) => {
      if (bar && e.lengthComputable) { bar.hidden = false; bar.value = e.loaded / e.total; }
    });
    xhr.addEventListener("load", () => {
      if (xhr.responseURL && xhr.responseURL !== form.action && xhr.status < 400) {
        window.location.assign(xhr.responseURL);
      } else {
        document.open(); document.write(xhr.responseText); document.close();
      }
    });
    xhr.send(new FormData(form));
  });
}

document.addEventListener("DOMContentLoaded", () => {
  const box = document.getElementById("job");
  if (box) pollJob(box);
  const form = document.getElementById("check-form");
  if (form) uploadWithProgress(form);
});
