// The pre-call check: the camera's picture, the microphone's level, then a connection test
// whose media really goes to the remote-session service and comes back (its echo socket).
(function () {
  "use strict";

  var dataNode = document.getElementById("check-data");
  if (!dataNode) {
    return;
  }
  var data = JSON.parse(dataNode.textContent);
  // How long the microphone is listened to, and the level that counts as a voice.
  var LISTEN_MS = 8000;
  var VOICE_LEVEL = 0.04;
  // How long the echo is measured once connected, and how long connecting may take.
  var MEASURE_MS = 6000;
  var CONNECT_TIMEOUT = 15000;
  var GATHER_WAIT = 2500;

  var check = {
    running: false,
    stream: null,
    pc: null,
    ws: null,
    audioContext: null,
    results: {},
    pass: data.pass,
  };

  function $(id) {
    return document.getElementById(id);
  }

  function result(step, level, text) {
    var node = $("result-" + step);
    node.textContent = text;
    node.setAttribute("data-result", level);
    check.results[step] = { level: level, text: text };
  }

  function progress(done, text) {
    var bar = $("check-progress");
    bar.value = done;
    bar.setAttribute("aria-valuetext", text);
    $("check-progress-text").textContent = text;
  }

  function sleep(ms) {
    return new Promise(function (resolve) {
      setTimeout(resolve, ms);
    });
  }

  function mediaError(err) {
    var name = err && err.name ? err.name : "";
    if (name === "NotAllowedError" || name === "SecurityError") {
      return (
        "Refusé. Cliquez sur l'icône à gauche de l'adresse du site, autorisez la caméra et le " +
        "micro, puis relancez le test."
      );
    }
    if (name === "NotFoundError" || name === "OverconstrainedError") {
      return "Aucun appareil trouvé. Branchez une caméra ou un micro, puis relancez le test.";
    }
    if (name === "NotReadableError" || name === "AbortError") {
      return "Occupé par un autre logiciel. Fermez-le, puis relancez le test.";
    }
    return "Échec. Relancez le test, ou essayez un autre navigateur.";
  }

  // Step 1: the camera (and the microphone, asked for at the same time: one question only).
  async function testCamera() {
    progress(0, "Étape 1 sur 3 : la caméra…");
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      result("camera", "fail", "Ce navigateur ne permet pas la visio sur cette page. Utilisez un navigateur récent.");
      return;
    }
    try {
      check.stream = await navigator.mediaDevices.getUserMedia({ audio: true, video: true });
      $("preview").srcObject = new MediaStream(check.stream.getVideoTracks());
      $("preview").hidden = false;
      result("camera", "ok", "Votre caméra fonctionne : vous devez vous voir ci-dessus.");
    } catch (err) {
      result("camera", "fail", "Caméra : " + mediaError(err) + " Sans caméra, un rendez-vous par téléphone reste possible.");
      try {
        check.stream = await navigator.mediaDevices.getUserMedia({ audio: true, video: false });
      } catch (err2) {
        check.stream = null;
      }
    }
  }

  // Step 2: the microphone's level, on a meter, for a few seconds.
  async function testMicrophone() {
    progress(1, "Étape 2 sur 3 : le micro. Parlez quelques secondes…");
    var track = check.stream ? check.stream.getAudioTracks()[0] : null;
    if (!track) {
      result("micro", "fail", "Micro : aucun accès. Autorisez le micro, puis relancez le test.");
      return;
    }
    var Context = window.AudioContext || window.webkitAudioContext;
    if (!Context) {
      result("micro", "warn", "Le niveau du micro ne peut pas être mesuré dans ce navigateur.");
      return;
    }
    check.audioContext = new Context();
    await check.audioContext.resume();
    var source = check.audioContext.createMediaStreamSource(new MediaStream([track]));
    var analyser = check.audioContext.createAnalyser();
    analyser.fftSize = 1024;
    source.connect(analyser);
    var samples = new Float32Array(analyser.fftSize);
    var heard = false;
    var until = Date.now() + LISTEN_MS;
    result("micro", "pending", "Parlez : la barre doit bouger avec votre voix.");
    while (Date.now() < until) {
      analyser.getFloatTimeDomainData(samples);
      var sum = 0;
      for (var i = 0; i < samples.length; i += 1) {
        sum += samples[i] * samples[i];
      }
      var level = Math.sqrt(sum / samples.length);
      $("mic-level").value = Math.min(1, level * 5);
      if (level > VOICE_LEVEL) {
        heard = true;
      }
      await sleep(100);
    }
    $("mic-level").value = 0;
    source.disconnect();
    if (heard) {
      result("micro", "ok", "Votre micro fonctionne : votre voix est bien captée.");
    } else {
      result(
        "micro",
        "warn",
        "Aucune voix captée. Vérifiez que le micro n'est pas coupé (bouton du casque ou de " +
          "l'ordinateur) et que le bon micro est choisi, puis relancez le test."
      );
    }
  }

  async function fetchTicket() {
    var body = new URLSearchParams();
    body.set("pass", check.pass);
    var answer = await fetch(data.ticket_url, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    });
    var payload = await answer.json();
    if (!answer.ok) {
      throw new Error(payload.message || "refusé");
    }
    check.pass = payload.pass || check.pass;
    return payload;
  }

  function waitFor(predicate, timeout) {
    return new Promise(function (resolve, reject) {
      var until = Date.now() + timeout;
      (function poll() {
        if (predicate()) {
          resolve();
        } else if (Date.now() > until) {
          reject(new Error("timeout"));
        } else {
          setTimeout(poll, 100);
        }
      })();
    });
  }

  // The inbound packets and frames the echo brings back, the round trip and the loss.
  async function stats() {
    var out = {
      audio: { packetsReceived: 0, packetsLost: 0 },
      video: { packetsReceived: 0, packetsLost: 0, framesDecoded: 0 },
      roundTripTime: null,
    };
    if (!check.pc) {
      return out;
    }
    var report = await check.pc.getStats();
    report.forEach(function (s) {
      var kind = s.kind || s.mediaType;
      if (s.type === "inbound-rtp" && (kind === "audio" || kind === "video")) {
        out[kind].packetsReceived += s.packetsReceived || 0;
        out[kind].packetsLost += Math.max(0, s.packetsLost || 0);
        if (kind === "video") {
          out.video.framesDecoded += s.framesDecoded || 0;
        }
      } else if (s.type === "candidate-pair" && s.nominated && s.state === "succeeded") {
        if (typeof s.currentRoundTripTime === "number") {
          out.roundTripTime = s.currentRoundTripTime;
        }
      }
    });
    return out;
  }

  function closeConnection() {
    if (check.ws) {
      check.ws.onclose = null;
      check.ws.close(1000);
      check.ws = null;
    }
    if (check.pc) {
      check.pc.close();
      check.pc = null;
    }
  }

  // Step 3: send the picture and the sound to the service, and measure what comes back.
  async function testConnection() {
    progress(2, "Étape 3 sur 3 : la connexion. Envoi de votre image et de votre son au serveur…");
    if (!data.pass) {
      result(
        "connection",
        "warn",
        "Pour tester la connexion, connectez-vous à votre espace, ou ouvrez ce test depuis le " +
          "lien de votre message."
      );
      return;
    }
    if (!check.stream) {
      result("connection", "fail", "Sans micro ni caméra, la connexion ne peut pas être testée.");
      return;
    }
    try {
      var ticket = await fetchTicket();
      var welcome = await openSocket(ticket);
      var pc = new RTCPeerConnection({ iceServers: welcome.ice_servers || [] });
      check.pc = pc;
      var audio = check.stream.getAudioTracks()[0];
      var video = check.stream.getVideoTracks()[0];
      pc.addTransceiver(audio || "audio", { direction: "sendrecv" });
      pc.addTransceiver(video || "video", { direction: "sendrecv" });
      var offer = await pc.createOffer();
      await pc.setLocalDescription(offer);
      await new Promise(function (resolve) {
        if (pc.iceGatheringState === "complete") {
          resolve();
          return;
        }
        setTimeout(resolve, GATHER_WAIT);
        pc.addEventListener("icegatheringstatechange", function () {
          if (pc.iceGatheringState === "complete") {
            resolve();
          }
        });
      });
      var answered = nextMessage("answer");
      check.ws.send(JSON.stringify({ type: "offer", sdp: pc.localDescription.sdp }));
      var answer = await answered;
      await pc.setRemoteDescription({ type: "answer", sdp: answer.sdp });
      await waitFor(function () {
        return pc.connectionState === "connected";
      }, CONNECT_TIMEOUT);
      var start = await stats();
      var steps = MEASURE_MS / 500;
      for (var i = 1; i <= steps; i += 1) {
        await sleep(500);
        progress(2 + i / steps, "Étape 3 sur 3 : mesure de l'aller-retour (" + Math.round((i / steps) * 100) + " %)…");
      }
      var end = await stats();
      judge(start, end, !!video);
    } catch (err) {
      result(
        "connection",
        "fail",
        "Votre image et votre son ne sont pas revenus du serveur. Le réseau bloque peut-être la " +
          "visio (réseau d'entreprise, Wi-Fi public) : essayez un autre réseau, ou demandez un " +
          "rendez-vous par téléphone."
      );
    } finally {
      closeConnection();
    }
  }

  function judge(start, end, withVideo) {
    var received =
      end.audio.packetsReceived + end.video.packetsReceived -
      (start.audio.packetsReceived + start.video.packetsReceived);
    var lost = end.audio.packetsLost + end.video.packetsLost - (start.audio.packetsLost + start.video.packetsLost);
    var loss = received + lost > 0 ? Math.max(0, lost) / (received + Math.max(0, lost)) : 1;
    var rtt = end.roundTripTime;
    var videoBack = end.video.framesDecoded > 0;
    check.results.measure = { received: received, loss: loss, roundTripTime: rtt, videoBack: videoBack };
    var figures =
      "aller-retour " + (rtt === null ? "non mesuré" : Math.round(rtt * 1000) + " ms") +
      ", perte " + (Math.round(loss * 1000) / 10).toLocaleString("fr-FR") + " %";
    if (received <= 0) {
      result("connection", "fail", "Rien n'est revenu du serveur (" + figures + "). Essayez un autre réseau, ou le téléphone.");
    } else if (loss > 0.05 || (rtt !== null && rtt > 0.5)) {
      result(
        "connection",
        "warn",
        "Connexion faible (" + figures + "). La séance reste possible en audio seul, ou par téléphone."
      );
    } else if (withVideo && !videoBack) {
      result("connection", "warn", "Le son revient, mais pas l'image (" + figures + "). Une séance en audio seul est possible.");
    } else {
      result("connection", "ok", "Connexion bonne : votre " + (withVideo ? "image et votre son font" : "son fait") + " l'aller-retour (" + figures + ").");
    }
  }

  function openSocket(ticket) {
    return new Promise(function (resolve, reject) {
      var ws = new WebSocket(ticket.signalling_url);
      check.ws = ws;
      check.pending = [];
      ws.onopen = function () {
        ws.send(JSON.stringify({ type: "hello", ticket: ticket.ticket }));
      };
      ws.onmessage = function (event) {
        var message = JSON.parse(event.data);
        if (message.type === "welcome") {
          resolve(message);
          return;
        }
        check.pending.forEach(function (waiter) {
          waiter(message);
        });
      };
      ws.onclose = function () {
        reject(new Error("closed"));
      };
      ws.onerror = function () {
        reject(new Error("socket"));
      };
    });
  }

  function nextMessage(type) {
    return new Promise(function (resolve, reject) {
      var timer = setTimeout(function () {
        reject(new Error("timeout"));
      }, CONNECT_TIMEOUT);
      check.pending.push(function (message) {
        if (message.type === type) {
          clearTimeout(timer);
          resolve(message);
        } else if (message.type === "error") {
          clearTimeout(timer);
          reject(new Error(message.code || "error"));
        }
      });
    });
  }

  function stopMedia() {
    // The camera goes off with the test: its picture goes too, rather than a black box.
    $("preview").srcObject = null;
    $("preview").hidden = true;
    if (check.results.camera && check.results.camera.level === "ok") {
      result("camera", "ok", "Votre caméra fonctionne.");
    }
    if (check.stream) {
      check.stream.getTracks().forEach(function (track) {
        track.stop();
      });
      check.stream = null;
    }
    if (check.audioContext) {
      check.audioContext.close();
      check.audioContext = null;
    }
  }

  async function run() {
    if (check.running) {
      return;
    }
    check.running = true;
    check.results = {};
    var button = $("check-start");
    button.disabled = true;
    $("check-running").hidden = false;
    ["camera", "micro", "connection"].forEach(function (step) {
      result(step, "pending", "En attente…");
    });
    try {
      await testCamera();
      await testMicrophone();
      await testConnection();
      progress(3, "Test terminé.");
      $("check-summary").textContent = summary();
    } finally {
      stopMedia();
      check.running = false;
      button.disabled = false;
      button.textContent = "Relancer le test";
    }
  }

  function summary() {
    var levels = ["camera", "micro", "connection"].map(function (step) {
      return check.results[step] ? check.results[step].level : "fail";
    });
    if (levels.every(function (level) { return level === "ok"; })) {
      return "Tout fonctionne : vous êtes prêt·e pour la séance.";
    }
    if (levels.indexOf("fail") >= 0) {
      return "Un problème empêche la visio : suivez les conseils ci-dessous, ou tenez la séance par téléphone.";
    }
    return "La séance est possible, avec les réserves indiquées ci-dessus.";
  }

  $("check-start").addEventListener("click", run);

  // For page tests: the live connection and the results so far.
  window.jalonCheck = {
    get pc() {
      return check.pc;
    },
    get results() {
      return check.results;
    },
    get running() {
      return check.running;
    },
    stats: stats,
    run: run,
  };
})();
