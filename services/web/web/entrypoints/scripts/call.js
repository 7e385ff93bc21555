// The call page: joins a room through the remote-session service's signalling socket (see the
// rooms contract), sends and receives the media, and reconnects on its own. No framework, no
// third-party code: the page's policy only runs scripts from this origin.
(function () {
  "use strict";

  var dataNode = document.getElementById("call-data");
  if (!dataNode) {
    return;
  }
  var data = JSON.parse(dataNode.textContent);
  var VIDEO = data.modality === "video";
  var HOST = data.host === true;
  // Backoff between reconnection attempts, in milliseconds; the last one repeats.
  var BACKOFF = [1000, 2000, 4000, 8000, 15000, 30000];
  // A ticket lives 120 s: past this age the page asks for a fresh one before connecting.
  var TICKET_MAX_AGE = 60000;
  var PING_EVERY = 20000;
  var STATS_EVERY = 2000;
  // How long the offer waits for ICE gathering before going out (later candidates trickle).
  var GATHER_WAIT = 2500;
  // A peer connection "disconnected" this long is treated as dropped.
  var DISCONNECTED_GRACE = 5000;
  // Suggest audio only past these: loss over 5 %, or under 150 kbit/s going out.
  var LOSS_LIMIT = 0.05;
  var BITRATE_LIMIT = 150000;

  var call = {
    state: "idle",
    pc: null,
    ws: null,
    ticket: data.ticket,
    ticketAt: Date.now(),
    signallingUrl: data.signalling_url,
    pass: data.pass,
    localStream: null,
    audioTrack: null,
    videoTrack: null,
    audioSender: null,
    videoSender: null,
    muted: false,
    cameraOff: false,
    audioOnly: false,
    participantId: null,
    role: data.role,
    iceServers: [],
    attempt: 0,
    retryTimer: null,
    openTimer: null,
    pingTimer: null,
    statsTimer: null,
    renewTimer: null,
    elapsedTimer: null,
    disconnectTimer: null,
    // Set once the page must not reconnect: left, ended, replaced, refused.
    final: false,
    replaced: false,
    offerSent: false,
    startedAt: null,
    roster: null,
    lobbyIds: [],
    quality: null,
    lastSample: null,
    badSamples: 0,
    lastWord: null,
  };

  function $(id) {
    return document.getElementById(id);
  }

  function show(id, visible) {
    var node = $(id);
    if (node) {
      node.hidden = !visible;
    }
  }

  function say(text) {
    $("call-status").textContent = text;
  }

  function showError(text) {
    var node = $("call-error");
    node.textContent = text || "";
    node.hidden = !text;
  }

  function setState(state) {
    call.state = state;
    $("call").setAttribute("data-state", state);
    var inRoom = state === "in_call" || state === "connecting" || state === "reconnecting";
    show("prejoin", state === "idle" || state === "waiting_open" || state === "open");
    show("lobby-wait", state === "lobby");
    show("in-call", inRoom);
    show("after", state === "left" || state === "replaced");
  }

  // Tickets and the pass ----------------------------------------------------------------------

  function TicketError(message, final) {
    this.message = message;
    this.final = final;
  }

  // Ask the front for a new ticket; it renews the page's pass at the same time.
  async function fetchTicket() {
    var body = new URLSearchParams();
    body.set("pass", call.pass);
    var answer;
    try {
      answer = await fetch(data.ticket_url, {
        method: "POST",
        body: body,
        credentials: "same-origin",
        headers: { Accept: "application/json" },
      });
    } catch (err) {
      throw new TicketError("Connexion au site impossible. Nouvel essai en cours…", false);
    }
    var payload = null;
    try {
      payload = await answer.json();
    } catch (err) {
      payload = null;
    }
    if (!answer.ok || payload === null) {
      var message = payload && payload.message ? payload.message : "Le site ne répond pas. Nouvel essai en cours…";
      // Refused for good (expired pass, not allowed): retrying cannot help.
      throw new TicketError(message, answer.status === 401 || answer.status === 403);
    }
    if (payload.pass) {
      call.pass = payload.pass;
    }
    if (payload.ticket) {
      call.ticket = payload.ticket;
      call.ticketAt = Date.now();
      call.signallingUrl = payload.signalling_url;
    }
    return payload;
  }

  // Act on where the room stands; return true when a ticket is ready to connect with.
  function applyRoomState(payload) {
    if (payload.state === "open" && payload.ticket) {
      return true;
    }
    if (payload.state === "not_yet_open") {
      waitForOpening(payload.opens_in_seconds || 60);
    } else if (payload.state === "ended") {
      finishEnded(payload.duration_seconds);
    } else if (payload.state === "cancelled") {
      fail(data.kind === "collective" ? "Cette réunion a été annulée." : "Ce rendez-vous a été annulé.");
    } else {
      fail("La salle de cette séance est fermée.");
    }
    return false;
  }

  // The room is not open yet: check again when it should be (at most every 5 minutes, which
  // also keeps the pass alive), then let the person in.
  function waitForOpening(seconds) {
    setState("waiting_open");
    $("join").disabled = true;
    clearTimeout(call.openTimer);
    call.openTimer = setTimeout(async function () {
      try {
        var payload = await fetchTicket();
        if (payload.state === "open" && payload.ticket) {
          setState("open");
          $("join").disabled = false;
          say("La salle est ouverte : vous pouvez rejoindre la séance.");
          return;
        }
        applyRoomState(payload);
      } catch (err) {
        if (err.final) {
          fail(err.message);
        } else {
          waitForOpening(30);
        }
      }
    }, Math.min(seconds, 300) * 1000);
  }

  function renewPassLater() {
    clearInterval(call.renewTimer);
    call.renewTimer = setInterval(function () {
      if (call.final) {
        return;
      }
      fetchTicket().catch(function (err) {
        if (err.final) {
          showError(err.message);
        }
      });
    }, (data.renew_seconds || 300) * 1000);
  }

  // Media -------------------------------------------------------------------------------------

  // Why the camera ("camera") or the microphone ("micro") could not be used, in French.
  function mediaError(err, device) {
    var name = err && err.name ? err.name : "";
    var the = device === "camera" ? "à la caméra" : "au micro";
    if (name === "NotAllowedError" || name === "SecurityError") {
      return (
        "Vous avez refusé l'accès " + the + ". Pour l'autoriser, cliquez sur l'icône à gauche " +
        "de l'adresse du site, puis rechargez la page."
      );
    }
    if (name === "NotFoundError" || name === "OverconstrainedError") {
      return device === "camera" ? "Aucune caméra n'a été trouvée." : "Aucun micro n'a été trouvé.";
    }
    if (name === "NotReadableError" || name === "AbortError") {
      return (
        "L'accès " + the + " est impossible : un autre logiciel l'utilise peut-être. " +
        "Fermez-le, puis rechargez la page."
      );
    }
    return "L'accès " + the + " a échoué.";
  }

  // Take the microphone (and the camera for video rooms); without the camera the person still
  // talks, without the microphone they still listen.
  async function prepareMedia() {
    if (call.localStream) {
      return;
    }
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      showError(
        "Ce navigateur ne permet pas les séances à distance sur cette page. Utilisez un " +
          "navigateur récent (Firefox, Chrome, Edge ou Safari)."
      );
      call.localStream = new MediaStream();
      return;
    }
    var stream = null;
    try {
      stream = await navigator.mediaDevices.getUserMedia({ audio: true, video: VIDEO });
    } catch (err) {
      if (VIDEO) {
        try {
          stream = await navigator.mediaDevices.getUserMedia({ audio: true, video: false });
          showError(mediaError(err, "camera") + " Vous participez avec le son seulement.");
        } catch (err2) {
          showError(mediaError(err2, "micro") + " Vous pourrez seulement écouter.");
        }
      } else {
        showError(mediaError(err, "micro") + " Vous pourrez seulement écouter.");
      }
    }
    call.localStream = stream || new MediaStream();
    call.audioTrack = call.localStream.getAudioTracks()[0] || null;
    call.videoTrack = call.localStream.getVideoTracks()[0] || null;
    if (!call.audioTrack) {
      $("mute").disabled = true;
    }
    if (VIDEO) {
      if (call.videoTrack) {
        $("local-video").srcObject = new MediaStream([call.videoTrack]);
      } else {
        $("camera").disabled = true;
        $("camera").textContent = "Caméra indisponible";
        show("local-video", false);
      }
    }
  }

  function stopMedia() {
    if (call.localStream) {
      call.localStream.getTracks().forEach(function (track) {
        track.stop();
      });
    }
    call.localStream = null;
    call.audioTrack = null;
    call.videoTrack = null;
  }

  function playRemote(element) {
    var started = element.play();
    if (started && started.catch) {
      started.catch(function () {
        // The browser wants a click before playing sound: offer one.
        show("play-box", true);
      });
    }
  }

  // The signalling socket ---------------------------------------------------------------------

  function send(message) {
    if (call.ws && call.ws.readyState === WebSocket.OPEN) {
      call.ws.send(JSON.stringify(message));
    }
  }

  function sendState() {
    send({ type: "state", muted: call.muted, audio_only: call.audioOnly });
  }

  function connect() {
    var ws = new WebSocket(call.signallingUrl);
    call.ws = ws;
    call.offerSent = false;
    ws.onopen = function () {
      ws.send(JSON.stringify({ type: "hello", ticket: call.ticket }));
      // A ticket serves once: the next connection asks for a new one.
      call.ticket = null;
    };
    ws.onmessage = function (event) {
      if (ws !== call.ws) {
        return;
      }
      var message;
      try {
        message = JSON.parse(event.data);
      } catch (err) {
        return;
      }
      handle(message);
    };
    ws.onclose = function (event) {
      if (ws !== call.ws) {
        return;
      }
      closed(event.code);
    };
    clearInterval(call.pingTimer);
    call.pingTimer = setInterval(function () {
      send({ type: "ping" });
    }, PING_EVERY);
  }

  function closed(code) {
    if (call.final) {
      return;
    }
    if (code === 4403) {
      fail(
        data.kind === "collective"
          ? "Vous ne pouvez pas entrer dans cette réunion : elle est complète, ou vous n'y êtes pas inscrit."
          : "Vous n'avez pas accès à cette séance."
      );
      return;
    }
    if (code === 4404) {
      fail("Cette séance n'existe pas, ou plus.");
      return;
    }
    // Anything else (network, expired ticket 4401, room state 4409): a new ticket says more.
    scheduleReconnect();
  }

  function handle(message) {
    switch (message.type) {
      case "welcome":
        call.participantId = message.participant_id;
        call.role = message.role;
        call.iceServers = message.ice_servers || [];
        if (message.admitted) {
          startPeer();
        } else {
          enterLobby();
        }
        break;
      case "waiting":
        enterLobby();
        break;
      case "admitted":
        if (!call.pc) {
          startPeer();
        }
        break;
      case "answer":
        if (call.pc) {
          call.pc.setRemoteDescription({ type: "answer", sdp: message.sdp }).catch(function () {
            scheduleReconnect();
          });
        }
        break;
      case "roster":
        renderRoster(message);
        break;
      case "ended":
        finishEnded(message.duration_seconds);
        break;
      case "replaced":
        call.replaced = true;
        call.final = true;
        teardown();
        stopMedia();
        setState("replaced");
        say("Vous avez rejoint depuis un autre onglet. Cette page est déconnectée.");
        $("rejoin").textContent = "Reprendre la séance ici";
        break;
      case "error":
        showError(errorText(message.code));
        break;
      default:
        break;
    }
  }

  function errorText(code) {
    var texts = {
      malformed_sdp: "La connexion de l'image et du son a échoué. Quittez, puis rejoignez la séance.",
      room_full: "La réunion est complète.",
      not_allowed: "Cette action ne vous est pas permise.",
    };
    return texts[code] || "Le service a refusé une demande. Si la séance ne fonctionne pas, rechargez la page.";
  }

  function enterLobby() {
    setState("lobby");
    // The notice below says who lets the person in: the status line says where they are.
    say("Vous êtes dans la salle d'attente.");
  }

  // The peer connection -----------------------------------------------------------------------

  function waitForGathering(pc) {
    return new Promise(function (resolve) {
      if (pc.iceGatheringState === "complete") {
        resolve();
        return;
      }
      var timer = setTimeout(resolve, GATHER_WAIT);
      pc.addEventListener("icegatheringstatechange", function () {
        if (pc.iceGatheringState === "complete") {
          clearTimeout(timer);
          resolve();
        }
      });
    });
  }

  async function startPeer() {
    setState(call.attempt > 0 ? "reconnecting" : "connecting");
    say(call.attempt > 0 ? "Reconnexion…" : "Connexion de l'image et du son…");
    closePeer();
    var pc = new RTCPeerConnection({ iceServers: call.iceServers });
    call.pc = pc;
    // Both directions from the start, even without a camera, so "audio seul" and back only
    // swap the sent track: the contract allows one negotiation per connection.
    call.audioSender = pc.addTransceiver(call.audioTrack || "audio", { direction: "sendrecv" }).sender;
    if (VIDEO) {
      var sentVideo = call.audioOnly ? null : call.videoTrack;
      call.videoSender = pc.addTransceiver(sentVideo || "video", { direction: "sendrecv" }).sender;
    }
    if (call.audioTrack) {
      call.audioTrack.enabled = !call.muted;
    }
    pc.ontrack = function (event) {
      if (pc !== call.pc) {
        return;
      }
      var element = event.track.kind === "audio" ? $("remote-audio") : $("remote-video");
      if (element) {
        element.srcObject = new MediaStream([event.track]);
        playRemote(element);
      }
    };
    pc.onicecandidate = function (event) {
      // Candidates found before the offer travel inside it; later ones trickle.
      if (pc === call.pc && call.offerSent && event.candidate && event.candidate.candidate) {
        send({
          type: "candidate",
          candidate: event.candidate.candidate,
          sdpMid: event.candidate.sdpMid,
          sdpMLineIndex: event.candidate.sdpMLineIndex,
        });
      }
    };
    pc.onconnectionstatechange = function () {
      if (pc !== call.pc) {
        return;
      }
      peerState(pc.connectionState);
    };
    try {
      var offer = await pc.createOffer();
      await pc.setLocalDescription(offer);
      await waitForGathering(pc);
      if (pc !== call.pc) {
        return;
      }
      // The state first, so the service routes media as this person wants from the start.
      sendState();
      send({ type: "offer", sdp: pc.localDescription.sdp });
      call.offerSent = true;
    } catch (err) {
      scheduleReconnect();
    }
  }

  function peerState(state) {
    clearTimeout(call.disconnectTimer);
    if (state === "connected") {
      call.attempt = 0;
      setState("in_call");
      say("Vous êtes dans la séance.");
      startStats();
    } else if (state === "failed") {
      scheduleReconnect();
    } else if (state === "disconnected") {
      call.disconnectTimer = setTimeout(function () {
        if (call.pc && call.pc.connectionState !== "connected") {
          scheduleReconnect();
        }
      }, DISCONNECTED_GRACE);
    }
  }

  function closePeer() {
    clearTimeout(call.disconnectTimer);
    if (call.pc) {
      var pc = call.pc;
      call.pc = null;
      pc.ontrack = null;
      pc.onicecandidate = null;
      pc.onconnectionstatechange = null;
      pc.close();
    }
    call.audioSender = null;
    call.videoSender = null;
  }

  // Close the socket and the peer connection, keeping the camera and microphone.
  function teardown() {
    clearInterval(call.pingTimer);
    clearInterval(call.statsTimer);
    clearTimeout(call.retryTimer);
    call.retryTimer = null;
    closePeer();
    if (call.ws) {
      var ws = call.ws;
      call.ws = null;
      ws.onclose = null;
      ws.onmessage = null;
      try {
        ws.close(1000);
      } catch (err) {
        // Already closed.
      }
    }
  }

  // Reconnection ------------------------------------------------------------------------------

  function scheduleReconnect() {
    if (call.final || call.retryTimer) {
      return;
    }
    teardown();
    setState("reconnecting");
    say("Reconnexion…");
    var delay = BACKOFF[Math.min(call.attempt, BACKOFF.length - 1)];
    call.attempt += 1;
    call.retryTimer = setTimeout(reconnect, delay);
  }

  async function reconnect() {
    call.retryTimer = null;
    if (call.final) {
      return;
    }
    try {
      var payload = await fetchTicket();
      if (applyRoomState(payload)) {
        connect();
      }
    } catch (err) {
      if (err.final) {
        fail(err.message);
      } else {
        say(err.message);
        scheduleReconnect();
      }
    }
  }

  window.addEventListener("online", function () {
    // Back online: try now rather than at the end of the backoff.
    if (call.state === "reconnecting" && call.retryTimer) {
      clearTimeout(call.retryTimer);
      call.retryTimer = null;
      reconnect();
    }
  });

  // Joining, leaving, ending ------------------------------------------------------------------

  async function join() {
    call.final = false;
    call.replaced = false;
    call.attempt = 0;
    $("join").disabled = true;
    $("rejoin").disabled = true;
    showError("");
    setState("connecting");
    say("Connexion à la séance…");
    // On a phone the details above push the call off screen: bring it into view.
    $("call").scrollIntoView({ block: "start" });
    await prepareMedia();
    try {
      if (!call.ticket || Date.now() - call.ticketAt > TICKET_MAX_AGE) {
        var payload = await fetchTicket();
        if (!applyRoomState(payload)) {
          return;
        }
      }
    } catch (err) {
      if (err.final) {
        fail(err.message);
      } else {
        scheduleReconnect();
      }
      return;
    } finally {
      $("rejoin").disabled = false;
    }
    renewPassLater();
    connect();
  }

  function leave() {
    send({ type: "hangup" });
    call.final = true;
    teardown();
    stopMedia();
    clearInterval(call.renewTimer);
    clearInterval(call.elapsedTimer);
    setState("left");
    say("Vous avez quitté la séance.");
    $("rejoin").textContent = "Rejoindre à nouveau";
  }

  function finishEnded(seconds) {
    call.final = true;
    teardown();
    stopMedia();
    clearInterval(call.renewTimer);
    clearInterval(call.elapsedTimer);
    setState("ended");
    say("La séance est terminée." + (seconds ? " Durée : " + durationText(seconds) + "." : ""));
  }

  function fail(message) {
    call.final = true;
    teardown();
    stopMedia();
    clearInterval(call.renewTimer);
    setState("failed");
    say("");
    showError(message);
  }

  function durationText(seconds) {
    if (seconds < 60) {
      return "moins d'une minute";
    }
    var minutes = Math.round(seconds / 60);
    if (minutes < 60) {
      return minutes + " min";
    }
    var rest = minutes % 60;
    return Math.floor(minutes / 60) + " h " + (rest < 10 ? "0" : "") + rest;
  }

  // Controls ----------------------------------------------------------------------------------

  function toggleMute() {
    call.muted = !call.muted;
    if (call.audioTrack) {
      call.audioTrack.enabled = !call.muted;
    }
    $("mute").textContent = call.muted ? "Activer le micro" : "Couper le micro";
    say(call.muted ? "Votre micro est coupé." : "Votre micro est activé.");
    sendState();
  }

  function toggleCamera() {
    if (!call.videoTrack) {
      return;
    }
    call.cameraOff = !call.cameraOff;
    call.videoTrack.enabled = !call.cameraOff;
    $("camera").textContent = call.cameraOff ? "Activer la caméra" : "Couper la caméra";
    say(call.cameraOff ? "Votre caméra est coupée." : "Votre caméra est activée.");
  }

  // Audio only stops sending the picture (the track is swapped, no renegotiation) and tells the
  // service, which then stops sending pictures here too; the other side keeps working.
  async function toggleAudioOnly() {
    call.audioOnly = !call.audioOnly;
    if (call.videoSender) {
      try {
        await call.videoSender.replaceTrack(call.audioOnly ? null : call.videoTrack);
      } catch (err) {
        showError("Le changement n'a pas pu se faire. Réessayez.");
      }
    }
    var label = call.audioOnly ? "Réactiver la vidéo" : "Passer en audio seul";
    $("audio-only").textContent = label;
    show("local-video", !call.audioOnly && !!call.videoTrack);
    show("quality-advice", false);
    call.badSamples = 0;
    say(call.audioOnly ? "Vous êtes en audio seul : l'image est coupée dans les deux sens." : "La vidéo est réactivée.");
    sendState();
    renderRemoteCaption();
  }

  function askEnd() {
    show("end-confirm", true);
    $("end-yes").focus();
  }

  function cancelEnd() {
    show("end-confirm", false);
    $("end").focus();
  }

  function endForAll() {
    show("end-confirm", false);
    send({ type: "end" });
    say("Fin de la séance en cours…");
  }

  // The roster and the lobby ------------------------------------------------------------------

  var ROLE_NAMES = {
    counsellor: "conseiller·ère",
    beneficiary: "bénéficiaire",
    presenter: "animation",
    attendee: "participant·e",
  };

  function personLine(person) {
    var parts = [];
    if (!person.connected) {
      parts.push("absent·e");
    } else if (person.media === "connecting" || person.media === "new") {
      parts.push("connexion…");
    } else if (person.media === "failed") {
      parts.push("connexion perdue");
    } else {
      parts.push("connecté·e");
    }
    if (person.muted) {
      parts.push("micro coupé");
    }
    if (person.audio_only) {
      parts.push("audio seul");
    }
    return parts.join(" · ");
  }

  function renderRoster(message) {
    call.roster = message;
    var list = $("participant-list");
    list.textContent = "";
    (message.participants || []).forEach(function (person) {
      if (!person.admitted) {
        return;
      }
      var item = document.createElement("li");
      var who = document.createElement("span");
      var name = document.createElement("bdi");
      name.textContent = person.name || "Participant·e";
      who.appendChild(name);
      var you = person.participant_id === call.participantId ? " (vous)" : "";
      who.appendChild(document.createTextNode(you + " — " + (ROLE_NAMES[person.role] || "")));
      var status = document.createElement("span");
      status.className = "muted";
      status.textContent = personLine(person);
      item.appendChild(who);
      item.appendChild(status);
      list.appendChild(item);
    });
    if (HOST) {
      renderLobby(message.lobby || []);
    }
    if (message.started_at && !call.startedAt) {
      call.startedAt = new Date(message.started_at);
      showElapsed();
      call.elapsedTimer = setInterval(showElapsed, 15000);
    }
    renderRemoteCaption();
  }

  function renderLobby(lobby) {
    var list = $("lobby-list");
    list.textContent = "";
    var ids = [];
    lobby.forEach(function (person) {
      ids.push(person.participant_id);
      var item = document.createElement("li");
      var name = document.createElement("bdi");
      name.textContent = person.name || "Une personne";
      var button = document.createElement("button");
      button.type = "button";
      button.textContent = "Faire entrer";
      var hidden = document.createElement("span");
      hidden.className = "visually-hidden";
      hidden.textContent = " " + (person.name || "la personne");
      button.appendChild(hidden);
      button.addEventListener("click", function () {
        button.disabled = true;
        send({ type: "admit", participant_id: person.participant_id });
      });
      item.appendChild(name);
      item.appendChild(button);
      list.appendChild(item);
      if (call.lobbyIds.indexOf(person.participant_id) < 0) {
        say((person.name || "Une personne") + " attend dans la salle d'attente.");
      }
    });
    // Once everyone waiting is let in, the status line no longer says someone waits.
    if (lobby.length === 0 && call.lobbyIds.length > 0 && call.state === "in_call") {
      say("Vous êtes dans la séance.");
    }
    call.lobbyIds = ids;
    show("lobby-empty", lobby.length === 0);
  }

  // What the other side sends, said in words over the picture.
  function renderRemoteCaption() {
    var caption = $("remote-caption");
    if (!VIDEO || !caption) {
      return;
    }
    var text = "";
    var others = ((call.roster && call.roster.participants) || []).filter(function (person) {
      return person.participant_id !== call.participantId && person.admitted && person.connected;
    });
    // The presenter of a collective room sends the picture everyone sees and receives none.
    var presenting = data.kind === "collective" && HOST;
    if (call.audioOnly) {
      text = "Audio seul : l'image est coupée pour alléger la connexion.";
    } else if (others.length === 0) {
      text = presenting ? "En attente des participants…" : data.kind === "collective" ? "En attente de la personne qui anime…" : "En attente de l'autre personne…";
    } else if (presenting) {
      text = "Les participants voient votre image et vous entendent ; vous entendez leurs voix.";
    } else if (data.kind !== "collective" && others[0].audio_only) {
      text = "L'autre personne est passée en audio seul : vous l'entendez sans la voir.";
    }
    caption.textContent = text;
    caption.hidden = !text;
    // No picture comes in these cases, and a video element keeps showing its last frame:
    // a frozen face would look like a stalled call.
    var pictureless = call.audioOnly || others.length === 0 || presenting || (data.kind !== "collective" && others[0].audio_only);
    var remote = $("remote-video");
    if (remote) {
      remote.style.visibility = pictureless ? "hidden" : "visible";
    }
  }

  function showElapsed() {
    if (!call.startedAt) {
      return;
    }
    var seconds = Math.max(0, (Date.now() - call.startedAt.getTime()) / 1000);
    $("elapsed").textContent = "Séance commencée depuis " + durationText(seconds) + ".";
  }

  // Connection quality ------------------------------------------------------------------------

  // Inbound frames and packets per kind, outbound counts, the round trip and the estimate of
  // the bandwidth going out: what the quality indicator and the page tests read.
  async function stats() {
    var out = {
      audio: { packetsReceived: 0, packetsLost: 0, bytesReceived: 0 },
      video: { packetsReceived: 0, packetsLost: 0, bytesReceived: 0, framesReceived: 0, framesDecoded: 0 },
      sent: { audioPackets: 0, videoPackets: 0, videoFrames: 0, bytes: 0 },
      roundTripTime: null,
      availableOutgoingBitrate: null,
      at: Date.now(),
    };
    if (!call.pc) {
      return out;
    }
    var report = await call.pc.getStats();
    report.forEach(function (s) {
      var kind = s.kind || s.mediaType;
      if (s.type === "inbound-rtp" && (kind === "audio" || kind === "video")) {
        var into = out[kind];
        into.packetsReceived += s.packetsReceived || 0;
        into.packetsLost += Math.max(0, s.packetsLost || 0);
        into.bytesReceived += s.bytesReceived || 0;
        if (kind === "video") {
          into.framesReceived += s.framesReceived || 0;
          into.framesDecoded += s.framesDecoded || 0;
        }
      } else if (s.type === "outbound-rtp") {
        out.sent.bytes += s.bytesSent || 0;
        if (kind === "audio") {
          out.sent.audioPackets += s.packetsSent || 0;
        } else if (kind === "video") {
          out.sent.videoPackets += s.packetsSent || 0;
          out.sent.videoFrames += s.framesSent || 0;
        }
      } else if (s.type === "candidate-pair" && s.nominated && s.state === "succeeded") {
        if (typeof s.currentRoundTripTime === "number") {
          out.roundTripTime = s.currentRoundTripTime;
        }
        if (typeof s.availableOutgoingBitrate === "number") {
          out.availableOutgoingBitrate = s.availableOutgoingBitrate;
        }
      } else if (s.type === "remote-inbound-rtp" && out.roundTripTime === null) {
        if (typeof s.roundTripTime === "number") {
          out.roundTripTime = s.roundTripTime;
        }
      }
    });
    return out;
  }

  function startStats() {
    clearInterval(call.statsTimer);
    call.lastSample = null;
    call.statsTimer = setInterval(measure, STATS_EVERY);
  }

  function percent(value) {
    return (Math.round(value * 1000) / 10).toLocaleString("fr-FR") + " %";
  }

  function bitrateText(bits) {
    if (bits >= 1000000) {
      return (Math.round(bits / 100000) / 10).toLocaleString("fr-FR") + " Mbit/s";
    }
    return Math.round(bits / 1000) + " kbit/s";
  }

  async function measure() {
    if (!call.pc || call.state !== "in_call") {
      return;
    }
    var now;
    try {
      now = await stats();
    } catch (err) {
      return;
    }
    var before = call.lastSample;
    call.lastSample = now;
    if (!before) {
      return;
    }
    var received =
      now.audio.packetsReceived + now.video.packetsReceived -
      (before.audio.packetsReceived + before.video.packetsReceived);
    var lost =
      now.audio.packetsLost + now.video.packetsLost - (before.audio.packetsLost + before.video.packetsLost);
    var loss = received + lost > 0 ? Math.max(0, lost) / (received + Math.max(0, lost)) : 0;
    var seconds = Math.max(0.5, (now.at - before.at) / 1000);
    var bitrate = now.availableOutgoingBitrate;
    if (bitrate === null && VIDEO && !call.audioOnly && !call.cameraOff) {
      bitrate = ((now.sent.bytes - before.sent.bytes) * 8) / seconds;
    }
    var rtt = now.roundTripTime;
    // Audio alone needs far less than video: a phone room is judged on loss and delay.
    var lowBitrate = VIDEO && !call.audioOnly && bitrate !== null && bitrate < BITRATE_LIMIT;
    var word = "Bonne";
    if (loss > LOSS_LIMIT || lowBitrate || (rtt !== null && rtt > 0.5)) {
      word = "Faible";
    } else if (loss > 0.02 || (rtt !== null && rtt > 0.25) || (VIDEO && !call.audioOnly && bitrate !== null && bitrate < 250000)) {
      word = "Moyenne";
    }
    call.quality = { word: word, loss: loss, roundTripTime: rtt, outgoingBitrate: bitrate };
    var details = ["perte " + percent(loss)];
    if (rtt !== null) {
      details.push("aller-retour " + Math.round(rtt * 1000) + " ms");
    }
    if (bitrate !== null) {
      details.push("débit sortant " + bitrateText(bitrate));
    }
    var wordNode = $("quality-word");
    wordNode.textContent = word;
    wordNode.setAttribute("data-level", word);
    $("quality-detail").textContent = "(" + details.join(", ") + ")";
    if (word !== call.lastWord) {
      // Announced on change only: a reading every 2 seconds would drown the call.
      $("quality-live").textContent = "Qualité de la connexion : " + word + ".";
      call.lastWord = word;
    }
    suggestAudioOnly(loss > LOSS_LIMIT || lowBitrate);
  }

  function suggestAudioOnly(bad) {
    if (!VIDEO || call.audioOnly || !$("quality-advice")) {
      return;
    }
    // Two bad readings in a row, so one burst does not make the advice flicker.
    call.badSamples = bad ? call.badSamples + 1 : 0;
    if (call.badSamples >= 2 && $("quality-advice").hidden) {
      show("quality-advice", true);
      $("quality-live").textContent = "La connexion est faible : vous pouvez passer en audio seul.";
    } else if (call.badSamples === 0) {
      show("quality-advice", false);
    }
  }

  // Wiring -------------------------------------------------------------------------------------

  $("join").addEventListener("click", join);
  $("rejoin").addEventListener("click", join);
  $("leave").addEventListener("click", leave);
  $("mute").addEventListener("click", toggleMute);
  if (VIDEO) {
    $("camera").addEventListener("click", toggleCamera);
    $("audio-only").addEventListener("click", toggleAudioOnly);
    $("advice-audio-only").addEventListener("click", toggleAudioOnly);
  }
  if (HOST) {
    $("end").addEventListener("click", askEnd);
    $("end-yes").addEventListener("click", endForAll);
    $("end-no").addEventListener("click", cancelEnd);
  }
  $("play").addEventListener("click", function () {
    show("play-box", false);
    playRemote($("remote-audio"));
    if ($("remote-video")) {
      playRemote($("remote-video"));
    }
  });

  if (data.state === "not_yet_open") {
    waitForOpening(data.opens_in_seconds || 60);
    renewPassLater();
  } else if (data.state === "open") {
    setState("open");
    // The pass must outlive a wait on this page before "Rejoindre" is pressed.
    renewPassLater();
  } else {
    call.final = true;
    setState(data.state);
  }

  // For people and page tests: the live objects, never a copy.
  window.jalonCall = {
    get pc() {
      return call.pc;
    },
    get ws() {
      return call.ws;
    },
    get state() {
      return call.state;
    },
    get role() {
      return call.role;
    },
    get participantId() {
      return call.participantId;
    },
    get roster() {
      return call.roster;
    },
    get quality() {
      return call.quality;
    },
    get muted() {
      return call.muted;
    },
    get audioOnly() {
      return call.audioOnly;
    },
    stats: stats,
    join: join,
    leave: leave,
    toggleMute: toggleMute,
    toggleAudioOnly: toggleAudioOnly,
  };
})();
