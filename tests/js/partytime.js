// Reads a podcast feed on stdin and prints, as JSON, what the Podcast Index's parser keeps of it.
const pt = require("podcast-partytime");

let xml = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", (chunk) => (xml += chunk));
process.stdin.on("end", () => {
  const feed = pt.parseFeed(xml, { allowMissingGuid: false });
  if (!feed) {
    console.log(JSON.stringify({ parsed: false }));
    return;
  }
  console.log(
    JSON.stringify({
      parsed: true,
      title: feed.title,
      language: feed.language,
      guid: feed.guid || null,
      locked: feed.locked,
      image: feed.itunesImage || (feed.image && feed.image.url) || null,
      explicit: feed.explicit,
      categories: feed.categories || [],
      people: (feed.podcastPeople || []).map((p) => ({ name: p.name, role: p.role })),
      items: feed.items.map((item) => ({
        guid: item.guid,
        title: item.title,
        pubDate: item.pubDate,
        enclosure: item.enclosure,
        duration: item.duration,
        season: item.podcastSeason ? item.podcastSeason.number : null,
        episode: item.podcastEpisode ? item.podcastEpisode.number : null,
        transcripts: (item.podcastTranscripts || []).length,
        people: (item.podcastPeople || []).map((p) => ({ name: p.name, role: p.role })),
        soundbites: (item.podcastSoundbites || []).length,
      })),
    })
  );
});
